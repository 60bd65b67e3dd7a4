"""The back office at /admin/ in a real browser: the merchant signs in with the app key and
secret, then works only through the sections the root links and the forms the API offers.
Buyers' orders are placed through the API itself, as a storefront would.
"""

import json
import re
import urllib.request

import pytest
from playwright.sync_api import expect

from conftest import screenshot


def call(server, method, url, body=None, headers=None):
    """A JSON request to the API; answers the decoded body."""
    request = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode())
    request.add_header("Accept", "application/hal+json")
    if body is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read() or b"null")


def paid_order(server, kind, email):
    """A guest order of the first demo product of `kind`, paid in the sandbox."""
    root = call(server, "GET", server.base + "/")
    products = call(server, "GET", server.base + f"/products?kind={kind}")
    product = products["_embedded"]["shop:products"][0]["_links"]["self"]["href"]
    create = root["_templates"]["create_order"]
    consumer = {"email": email, "first_name": "Léa", "last_name": "Tremblay", "country": "CA", "region": "QC"}
    order = call(server, create["method"], create["target"], {"products": [{"product": product, "quantity": 1}], "consumer": consumer})
    pay = urllib.request.Request(order["_links"]["payment"]["href"], data=b"decision=pay", method="POST")
    urllib.request.urlopen(pay).read()
    return order


def sign_in(server, page):
    page.goto(server.base + "/admin/")
    app_key, secret = server.merchant
    page.get_by_label("App key").fill(app_key)
    page.get_by_label("Secret").fill(secret)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def fill_product(form, sku, title, isbn, amount):
    """Fills the product form with an EPUB ebook priced in euros."""
    form.get_by_label("SKU").fill(sku)
    form.get_by_label("Title").fill(title)
    form.get_by_label("ISBN").fill(isbn)
    form.get_by_label("Format").select_option("epub")
    form.get_by_label("Amount").fill(amount)
    form.get_by_label("Currency").fill("EUR")


@pytest.fixture
def office(shop_server, page):
    sign_in(shop_server, page)
    return page


def test_the_back_office_adds_a_product_with_its_price_and_refund_policy(shop_server, office):
    office.get_by_role("link", name="Products").click()
    form = office.get_by_role("form", name="Add a product")
    fill_product(form, "AUSTEN-EMMA-EPUB", "Emma", "978-0-14-143958-7", "3.99")
    form.get_by_label("Available").check()
    form.get_by_label("Refund days").fill("14")
    form.get_by_label("Usage limit percent").fill("10")
    form.get_by_role("button", name="Add a product").click()

    expect(office.get_by_role("heading", level=1)).to_have_text("Emma")
    expect(office.locator("dl.properties")).to_contain_text("€3.99")
    screenshot(office, "admin-product-added")


def test_a_refused_product_field_shows_its_message_next_to_it(shop_server, office):
    office.get_by_role("link", name="Products").click()
    form = office.get_by_role("form", name="Add a product")
    fill_product(form, "AUSTEN-SENSE-EPUB", "Sense and Sensibility", "978-0-14-143958-0", "2.50")
    form.get_by_role("button", name="Add a product").click()

    expect(office.locator("#form-create-isbn-error")).not_to_be_empty()
    expect(form.get_by_label("ISBN")).to_have_attribute("aria-invalid", "true")


def test_the_back_office_edits_a_product_starting_from_its_current_values(shop_server, office):
    office.get_by_role("link", name="Products").click()
    office.get_by_role("link", name="Open Moby-Dick").click()
    form = office.get_by_role("form", name="Save the product")
    expect(form.get_by_label("Amount")).to_have_value("6.49")
    form.get_by_label("Amount").fill("5.49")
    form.get_by_role("button", name="Save the product").click()

    expect(office.locator("dl.properties")).to_contain_text("$5.49")
    expect(office.get_by_role("form", name="Save the product").get_by_label("Amount")).to_have_value("5.49")


def test_the_back_office_issues_a_voucher_and_lists_it(shop_server, office):
    office.get_by_role("link", name="Vouchers").click()
    form = office.get_by_role("form", name="Issue a voucher")
    form.get_by_label("Amount").fill("10.00")
    form.get_by_label("Currency").fill("EUR")
    form.get_by_role("button", name="Issue a voucher").click()

    expect(office.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Voucher [A-Z0-9]{12}$"))
    code = office.get_by_role("heading", level=1).inner_text().split()[1]
    office.get_by_role("link", name="Vouchers").click()
    expect(office.get_by_role("link", name=f"Open {code}")).to_be_visible()


def test_the_back_office_shows_an_orders_payments_and_deliveries(shop_server, office):
    order = paid_order(shop_server, "ebook", "ines@example.org")
    office.get_by_role("link", name="Orders").click()
    office.get_by_role("link", name=f"Open {order['reference']}").click()

    expect(office.get_by_role("heading", level=1)).to_have_text(f"Order {order['reference']}")
    payments = office.get_by_role("table", name="Payments")
    expect(payments).to_contain_text("captured")
    expect(payments).to_contain_text("sold")
    expect(office.get_by_role("table", name="Deliveries")).to_contain_text("Pride and Prejudice")
    screenshot(office, "admin-order")


def test_the_back_office_checks_a_ticket_in_once_at_the_door(shop_server, office):
    order = paid_order(shop_server, "ticket", "noor@example.org")
    barcode = order_barcode(shop_server, order)
    office.get_by_role("link", name="Events").click()
    office.get_by_role("link", name=re.compile(r"^Open Montréal Book Fair")).first.click()

    office.get_by_label("Barcode").fill(barcode)
    office.get_by_role("button", name="Check in").click()
    expect(office.get_by_role("status").filter(has_text="Checked in")).to_contain_text(barcode)
    office.get_by_role("button", name="Check in").click()
    expect(office.get_by_role("alert").filter(has_text="already")).to_be_visible()
    screenshot(office, "admin-check-in")


def order_barcode(server, order):
    """The barcode of the order's one ticket, as its holder reads it."""
    token = {"Order-Token": order["token"]}
    read = call(server, "GET", order["_links"]["self"]["href"], headers=token)
    deliveries = call(server, "GET", read["_links"]["shop:deliveries"]["href"], headers=token)
    ticket = deliveries["_embedded"]["shop:deliveries"][0]["_links"]["shop:ticket"]["href"]
    return call(server, "GET", ticket, headers=token)["barcode"]


def test_the_back_office_adds_a_webhook_endpoint_shows_its_secret_once_and_its_delivery_log(shop_server, office):
    office.get_by_role("link", name="Webhooks").click()
    form = office.get_by_role("form", name="Add a webhook endpoint")
    form.get_by_label("URL").fill("https://hooks.example.com/halshop")
    form.get_by_label("Event types").fill("order.completed, refund.*")
    form.get_by_role("button", name="Add a webhook endpoint").click()

    expect(office.get_by_role("heading", level=1)).to_have_text("Keep this secret")
    expect(office.locator("code.secret")).to_have_text(re.compile(r"^whsec_"))
    office.get_by_role("link", name="Continue").click()
    expect(office.get_by_role("heading", level=1)).to_have_text("https://hooks.example.com/halshop")
    office.get_by_role("link", name="Deliveries").click()
    expect(office.get_by_role("heading", level=2, name="Webhook deliveries")).to_be_visible()


def test_the_daily_sales_report_downloads_as_csv(shop_server, office):
    office.get_by_role("link", name="Daily sales").click()
    with office.expect_download() as downloading:
        office.get_by_role("button", name="Download CSV").click()
    content = open(downloading.value.path(), encoding="utf-8").read()
    assert content.splitlines()[0].startswith("row,date,"), content


def test_the_back_office_fits_a_phone_screen(shop_server, browser):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    sign_in(shop_server, page)
    page.get_by_role("link", name="Orders").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Orders")
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    screenshot(page, "admin-orders-phone")
    context.close()
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"
