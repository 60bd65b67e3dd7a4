"""The storefront at /shop/ and the back office at /admin/ in a real browser: a customer
finds a book, buys it, pays in the sandbox, downloads it and asks for a refund; the merchant
approves and processes it. Through the pages only: links and buttons by their names, fields
by their labels.
"""

import re

from playwright.sync_api import expect

from conftest import screenshot


def buy_as_guest(server, page, title="Pride and Prejudice", tax="TVA"):
    page.goto(server.base + "/shop/")
    page.get_by_label("Search").fill(title.split()[0])
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name=title).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(title)
    page.get_by_role("button", name="Add to cart").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your cart")
    page.get_by_label("Email").fill("jeanne.martin@example.org")
    page.get_by_label("First name").fill("Jeanne")
    page.get_by_label("Last name").fill("Martin")
    page.get_by_label("Country (two letters)").fill("FR")
    expect(page.locator("#bill")).to_contain_text(tax)
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Order [A-Z0-9]{10}$"))


def test_a_guest_buys_an_ebook_pays_downloads_it_and_is_refused_a_refund_with_the_reason(shop_server, page):
    buy_as_guest(shop_server, page)
    screenshot(page, "shop-order-awaiting-payment")
    page.get_by_role("link", name="Pay now").click()
    page.get_by_role("button", name="Pay").click()

    expect(page.get_by_role("status").filter(has_text="Payment received")).to_be_visible()
    expect(page.locator("#order-status")).to_have_text("Completed")
    assert "ot_" not in page.url, "the order token never appears in a URL"
    with page.expect_download() as downloading:
        page.get_by_role("button", name="Download Pride and Prejudice").click()
    assert downloading.value.suggested_filename.endswith(".epub")

    page.reload()
    expect(page.get_by_text(re.compile(r"Downloaded on"))).to_be_visible()
    expect(page.get_by_role("button", name="Request a refund")).to_have_count(0)
    screenshot(page, "shop-order-downloaded")


def test_a_field_the_shop_refuses_shows_its_message_next_to_it(shop_server, page):
    page.goto(shop_server.base + "/shop/")
    page.get_by_role("link", name="Pride and Prejudice").first.click()
    page.get_by_role("button", name="Add to cart").click()
    page.get_by_label("Email").fill("not an address")
    page.get_by_label("First name").fill("Jeanne")
    page.get_by_label("Last name").fill("Martin")
    page.get_by_label("Country (two letters)").fill("FR")
    page.get_by_role("button", name="Place order").click()

    expect(page.locator("#consumer-email-error")).to_contain_text("e-mail")
    expect(page.get_by_label("Email")).to_have_attribute("aria-invalid", "true")


def test_the_catalogue_fits_a_phone_screen(shop_server, browser):
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.goto(shop_server.base + "/shop/")
    expect(page.get_by_role("link", name="Pride and Prejudice").first).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    screenshot(page, "shop-catalogue-phone")
    context.close()
    assert overflow <= 0, f"the page is {overflow}px wider than the screen"


def sign_in(server, page, name):
    page.goto(server.base + "/shop/")
    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Customer name").fill(name)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("link", name=f"Account ({name})")).to_be_visible()


def request_a_ticket_refund(server, page, title):
    """Buys a ticket of `title`, pays in the sandbox and asks for a refund; the request waits."""
    buy_as_guest(server, page, title=title, tax="Total")
    page.get_by_role("link", name="Pay now").click()
    page.get_by_role("button", name="Pay").click()
    page.get_by_role("button", name="Request a refund").click()
    expect(page.locator(".refund-status").first).to_have_text("Waiting for the shop")


def test_a_signed_in_customer_finds_their_order_again_in_another_browser(shop_server, browser):
    first = browser.new_context()
    page = first.new_page()
    sign_in(shop_server, page, "alice")
    buy_as_guest(shop_server, page, title="Frankenstein")
    reference = page.get_by_role("heading", level=1).inner_text()
    first.close()

    second = browser.new_context()
    page = second.new_page()
    sign_in(shop_server, page, "alice")
    page.get_by_role("link", name="My orders").click()
    page.get_by_role("link", name=reference).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(reference)
    expect(page.locator("#order-status")).to_have_text("Awaiting payment")
    second.close()


def test_a_signed_in_customer_buys_a_ticket_and_requests_a_refund_after_seeing_the_refund_bill(shop_server, browser):
    context = browser.new_context()
    page = context.new_page()
    sign_in(shop_server, page, "bob")
    buy_as_guest(shop_server, page, title="Montréal Book Fair 2027 — day pass", tax="Total")
    page.get_by_role("link", name="Pay now").click()
    page.get_by_role("button", name="Pay").click()
    expect(page.locator("#order-status")).to_have_text("Completed")

    expect(page.locator("#refund-bill")).to_contain_text("A refund now would return")
    page.get_by_role("button", name="Request a refund").click()
    expect(page.locator(".refund-status").first).to_have_text("Waiting for the shop")
    screenshot(page, "shop-refund-requested")
    context.close()


def test_the_back_office_approves_and_processes_a_refund_the_customer_then_sees_processed(shop_server, browser):
    customer = browser.new_context()
    page = customer.new_page()
    sign_in(shop_server, page, "carol")
    request_a_ticket_refund(shop_server, page, "Montréal Book Fair 2027 — VIP pass")

    office = browser.new_context()
    admin = office.new_page()
    admin.goto(shop_server.base + "/admin/")
    app_key, secret = shop_server.merchant
    admin.get_by_label("App key").fill(app_key)
    admin.get_by_label("Secret").fill(secret)
    admin.get_by_role("button", name="Sign in").click()
    admin.get_by_role("link", name="Refund queue").click()
    admin.get_by_role("link", name=re.compile(r"^Open ")).first.click()
    admin.get_by_role("button", name="Approve").click()
    expect(admin.locator("dl.properties")).to_contain_text("approved")
    admin.get_by_role("button", name="Process the refund").click()
    expect(admin.locator("dl.properties")).to_contain_text("processed")
    screenshot(admin, "admin-refund-processed")
    office.close()

    page.reload()
    expect(page.locator(".refund-status").first).to_have_text("Refunded")
    customer.close()


def test_the_back_office_filters_the_catalogue_with_the_collections_search_template(shop_server, page):
    page.goto(shop_server.base + "/admin/")
    app_key, secret = shop_server.merchant
    page.get_by_label("App key").fill(app_key)
    page.get_by_label("Secret").fill(secret)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Products").click()
    page.get_by_label("Search", exact=True).fill("moby")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("link", name=re.compile(r"^Open "))).to_have_count(1)
    expect(page.get_by_role("link", name="Open Moby-Dick")).to_be_visible()
    expect(page.get_by_role("button", name="Add a product")).to_be_visible()


def test_a_customer_chooses_a_voucher_instead_of_money_back_for_their_refund(shop_server, browser):
    context = browser.new_context()
    page = context.new_page()
    sign_in(shop_server, page, "dana")
    request_a_ticket_refund(shop_server, page, "Montréal Book Fair 2027 — day pass")
    expect(page.get_by_label("Money back to my payment method")).to_be_checked()

    page.get_by_label("A voucher for this shop").check()
    page.get_by_role("button", name="Save my choice").click()
    expect(page.get_by_label("A voucher for this shop")).to_be_checked()
    expect(page.locator(".refund-status").first).to_have_text("Waiting for the shop")

    page.get_by_role("button", name="Cancel the request").click()
    expect(page.locator(".refund-status").first).to_have_text("Cancelled")
    screenshot(page, "shop-refund-cancelled")
    context.close()
