"""The browsable API in a real browser: Debian's Chromium, driven by Playwright.

Starts the debug halshop binary on a free port with a fresh SQLite database (and its demo
catalogue), then walks it as a person would: by link text and field labels.

    target/browser-venv/bin/pytest -q tests/browser

The server and the browser come from conftest.py.
"""

import re

from playwright.sync_api import expect


def test_a_visitor_follows_links_from_the_root_to_a_product(server, page):
    page.goto(server.base + "/")

    page.get_by_role("link", name="shop:products", exact=True).click()
    expect(page).to_have_title("/products — halshop")
    page.get_by_role("link", name="Pride and Prejudice").first.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Pride and Prejudice")
    expect(page.locator("dl.properties")).to_contain_text("4.99 EUR")


def test_a_templated_link_is_filled_in_and_followed(server, page):
    page.goto(server.base + "/products?q=pride")
    product = page.get_by_role("link", name="Pride and Prejudice").first.get_attribute("href")
    page.goto(server.base + "/")

    template = page.get_by_role("form", name="Fill in shop:product", exact=True)
    template.get_by_label("uid").fill(product.rsplit("/", 1)[1])
    template.get_by_role("button", name="Open shop:product").click()

    expect(page).to_have_url(product)
    expect(page.get_by_role("heading", level=1)).to_have_text("Pride and Prejudice")


def product_href(server, page, query, title):
    """The URI of a product, copied from the catalogue page."""
    page.goto(f"{server.base}/products?q={query}")
    return page.get_by_role("link", name=title).first.get_attribute("href")


def open_bill_page(server, page):
    product = product_href(server, page, "pride", "Pride and Prejudice")
    page.goto(server.base + "/")
    page.get_by_role("link", name="shop:bill — POST a cart to price it").click()
    expect(page).to_have_title("/bill — halshop")
    return product


def fill_cart(form, products, email="ann@example.com"):
    """Fills a cart form field by field: one item per product, then the buyer."""
    for number, (product, quantity) in enumerate(products, start=1):
        if number > 1:
            form.get_by_role("button", name="Add another product").click()
        item = form.get_by_role("group", name=f"Products {number}", exact=True)
        item.get_by_label("Product").fill(product)
        item.get_by_label("Quantity").fill(str(quantity))
    form.get_by_label("Email").fill(email)
    form.get_by_label("First name").fill("Ann")
    form.get_by_label("Last name").fill("Lee")
    form.get_by_label("Country").fill("FR")


def test_the_bill_page_prices_a_cart_filled_in_field_by_field(server, page):
    product = open_bill_page(server, page)
    form = page.get_by_role("form", name="Price the cart")

    fill_cart(form, [(product, 1)])
    form.get_by_role("button", name="Price the cart").click()

    result = form.locator(".result")
    expect(result.locator(".status")).to_have_text("200 OK")
    expect(result.locator("pre")).to_contain_text('"grand_total": {\n    "amount": "4.99",')


def test_a_cart_grows_and_shrinks_item_by_item(server, page):
    other = product_href(server, page, "mis%C3%A9rables", "Les Misérables")
    product = open_bill_page(server, page)
    form = page.get_by_role("form", name="Price the cart")

    fill_cart(form, [(product, 1), (other, 1), (product, 1)])
    form.get_by_role("button", name="Remove Products 3").click()
    expect(form.get_by_role("group", name="Products 3", exact=True)).to_have_count(0)
    form.get_by_role("button", name="Price the cart").click()

    result = form.locator(".result")
    expect(result.locator(".status")).to_have_text("200 OK")
    expect(result.locator("pre")).to_contain_text('"grand_total": {\n    "amount": "14.98",')


def test_a_refused_cart_shows_a_readable_problem(server, page):
    product = open_bill_page(server, page)
    form = page.get_by_role("form", name="Price the cart")

    fill_cart(form, [(product, 1)], email="not an address")
    form.get_by_role("button", name="Price the cart").click()

    result = form.locator(".result")
    expect(result.locator(".status")).to_have_text("422 Unprocessable Entity")
    expect(result.locator("ul.errors")).to_contain_text("/consumer/email")


def place_order(server, page):
    """Places an order through the bill page's form; returns the form."""
    product = open_bill_page(server, page)
    form = page.get_by_role("form", name="Place the order")
    fill_cart(form, [(product, 1)])
    form.get_by_role("button", name="Place the order").click()
    return form


def test_the_bill_page_places_an_order(server, page):
    form = place_order(server, page)

    result = form.locator(".result")
    expect(result.locator(".status")).to_have_text("201 Created")
    created = result.get_by_role("link", name="Open the created resource")
    expect(created).to_have_attribute("href", re.compile("^" + re.escape(server.base) + "/orders/[0-9a-f]{32}$"))
    expect(result.locator("pre")).to_contain_text('"status": "awaiting_payment"')


def test_the_holder_of_a_paid_order_opens_a_refund_request(server, page):
    form = place_order(server, page)
    result = form.locator(".result")
    result.get_by_role("button", name="Keep this order token").click()
    order = result.get_by_role("link", name="Open the created resource").get_attribute("href")
    result.get_by_role("link", name="Open the created resource").click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("/bill")
    page.get_by_role("link", name="Pay this order").click()
    page.get_by_role("button", name="Pay 4.99 EUR").click()
    expect(page.get_by_text("the order is complete")).to_be_visible()

    page.goto(order)
    refund = page.get_by_role("form", name="Request a refund")
    expect(refund.get_by_label(re.compile(r"^Order\b"))).to_have_value(order)
    refund.get_by_label("Reason").fill("Bought twice")
    refund.get_by_role("button", name="Request a refund").click()

    result = refund.locator(".result")
    expect(result.locator(".status")).to_have_text("201 Created")
    expect(result.locator("pre")).to_contain_text('"reason": "Bought twice"')


def test_kept_merchant_credentials_open_a_protected_page(server, page):
    page.goto(server.base + "/orders")
    expect(page.get_by_role("heading", level=1)).to_have_text("401 Authentication required")

    page.get_by_text("Credentials", exact=True).click()
    key, secret = server.merchant
    page.get_by_label("Merchant key").fill(key)
    page.get_by_label("Merchant secret").fill(secret)
    page.get_by_role("button", name="Use these credentials").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("/orders")

    page.get_by_role("link", name="API root").click()
    page.get_by_role("link", name="shop:orders", exact=True).click()
    expect(page).to_have_url(server.base + "/orders")
    expect(page.get_by_role("heading", level=1)).to_have_text("/orders")
