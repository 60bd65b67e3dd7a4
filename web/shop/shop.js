// halshop storefront: starts at the API root and follows its links and HAL-FORMS templates.
// The only address written here is the API root (the parent of /shop/); every other URL
// comes from a response.
"use strict";

const ROOT = new URL("../", location.href).href;
const HAL = "application/hal+json";
const main = document.getElementById("main");

// ---- storage: the cart, the buyer's details, and each order's token (never in a URL) ----
const saved = {
  get(key, fallback) {
    try { return JSON.parse(localStorage.getItem(`halshop.${key}`)) ?? fallback; } catch { return fallback; }
  },
  set(key, value) { localStorage.setItem(`halshop.${key}`, JSON.stringify(value)); },
};
const cart = () => saved.get("cart", []);
const orders = () => saved.get("orders", {});
const tokenOf = (orderUrl) => orders()[orderUrl]?.token;
/** The signed-in customer `{sub, token, expires}`, while their token lasts. */
function customer() {
  const signedIn = saved.get("customer", null);
  return signedIn && signedIn.expires > Date.now() ? signedIn : null;
}

// ---- the API ----
async function api(url, { method = "GET", body, token, etag } = {}) {
  const headers = { Accept: HAL };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers["Order-Token"] = token;
  if (etag) headers["If-Match"] = etag;
  const signedIn = customer();
  if (signedIn) headers.Authorization = `Bearer ${signedIn.token}`;
  const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const type = response.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await response.json() : null;
  return { ok: response.ok, status: response.status, data, etag: response.headers.get("ETag") };
}

let rootDocument;
async function root() {
  if (!rootDocument) rootDocument = (await api(ROOT)).data;
  return rootDocument;
}
const link = (doc, rel) => doc?._links?.[rel]?.href;

/** RFC 6570 expansion of the `{?a,b}` and `{a}` forms the API's templated links use. */
function expand(template, values) {
  return template.replace(/\{([?&]?)([^}]+)\}/g, (_, op, names) => {
    const parts = names.split(",").filter((n) => values[n] !== undefined && values[n] !== "")
      .map((n) => (op ? `${n}=` : "") + encodeURIComponent(values[n]));
    if (!op) return parts.join(",");
    return parts.length ? (op === "?" ? "?" : "&") + parts.join("&") : "";
  });
}

// ---- small builders ----
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "text") node.textContent = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat(Infinity)) if (child != null && child !== false) node.append(child);
  return node;
}
const money = (m) => (m ? new Intl.NumberFormat(undefined, { style: "currency", currency: m.currency }).format(Number(m.amount)) : "");
const route = (name, url) => `#/${name}${url ? `?u=${encodeURIComponent(url)}` : ""}`;
const notice = (text, kind = "") => el("p", { class: `notice ${kind}`, role: kind === "bad" ? "alert" : "status", text });
function show(...nodes) {
  main.replaceChildren(...nodes);
  main.inert = false;
  main.classList.remove("busy");
  main.focus({ preventScroll: true });
}
function hue(text) {
  let h = 0;
  for (const c of text) h = (h * 31 + c.codePointAt(0)) % 360;
  return h;
}
function cover(product) {
  const h = hue(product.title);
  const node = el("div", { class: "cover", "aria-hidden": "true" },
    product.title, el("small", { text: product.kind === "ticket" ? "Ticket" : product.format.toUpperCase() }));
  node.style.background = `linear-gradient(160deg, hsl(${h} 55% 42%), hsl(${(h + 40) % 360} 60% 28%))`;
  return node;
}
function field(id, label, attrs = {}) {
  return el("div", { class: "field" }, el("label", { for: id, text: label }),
    el("input", { id, name: id, ...attrs }), el("div", { class: "error", id: `${id}-error`, role: "alert" }));
}

// ---- the catalogue ----
async function catalogue(params) {
  const start = await root();
  const search = link(start, "shop:products");
  const url = params.get("u") || expand(search, {});
  const { ok, data } = await api(url);
  if (!ok) return params.show(el("h1", { text: "Catalogue" }), notice(data?.detail || "The catalogue is not available.", "bad"));
  const here = new URL(url);
  const q = el("input", { id: "q", name: "q", type: "search", value: here.searchParams.get("q") || "" });
  const kind = el("select", { id: "kind", name: "kind" },
    ...[["", "Everything"], ["ebook", "Ebooks"], ["ticket", "Tickets"]].map(([value, text]) =>
      el("option", { value, text, selected: here.searchParams.get("kind") === value })));
  const form = el("form", { class: "search", role: "search", onsubmit: (event) => {
    event.preventDefault();
    location.hash = route("", expand(link(data, "search") || search, { q: q.value, kind: kind.value }));
  } }, el("div", {}, el("label", { for: "q", text: "Search" }), q),
  el("div", {}, el("label", { for: "kind", text: "Kind" }), kind), el("button", { type: "submit", text: "Search" }));
  const items = data._embedded?.["shop:products"] || [];
  const grid = el("ul", { class: "grid" }, items.map((p) => el("li", { class: "card" }, cover(p),
    el("div", { class: "body" }, el("a", { class: "title", href: route("product", link(p, "self")), text: p.title }),
      el("span", { class: "muted", text: p.kind === "ticket" ? "Event ticket" : `${p.format.toUpperCase()} ebook` }),
      el("span", { class: "price", text: money(p.price) }),
      p.available ? null : el("span", { class: "tag", text: "Not available" })))));
  const pager = el("nav", { class: "pager", "aria-label": "Pages" },
    link(data, "prev") && el("a", { href: route("", link(data, "prev")), text: "Previous page" }),
    link(data, "next") && el("a", { href: route("", link(data, "next")), text: "Next page" }));
  params.show(el("h1", { text: "Catalogue" }), form,
    items.length ? grid : notice("Nothing matches this search."), pager,
    el("p", { class: "muted", text: `${data.item_count} product(s)` }));
}

// ---- a product ----
async function product(params) {
  const { ok, data: p } = await api(params.get("u"));
  if (!ok) return params.show(notice(p?.detail || "This product cannot be shown.", "bad"));
  const facts = el("dl", {},
    el("dt", { text: "Format" }), el("dd", { text: p.kind === "ticket" ? "Event ticket" : p.format.toUpperCase() }),
    p.isbn && [el("dt", { text: "ISBN" }), el("dd", { text: p.isbn })],
    p.kind === "ebook" && [el("dt", { text: "Protection" }),
      el("dd", { text: { none: "No protection", watermark: "Watermarked with your name", drm: "DRM" }[p.protection] })],
    el("dt", { text: "Refunds" }),
    el("dd", { text: `Within ${p.refund_policy.refund_days} days, if less than ${p.refund_policy.usage_limit_percent}% used` }));
  const availability = el("p", { id: "availability" });
  if (!p.available) availability.textContent = "Not available for sale.";
  else if (link(p, "shop:event")) {
    const { data: event } = await api(link(p, "shop:event"));
    availability.textContent = event ? `${event.title}, ${event.venue}: ${event.available} place(s) left` : "";
  } else availability.textContent = "Available now: delivered right after payment.";
  const quantity = el("input", { id: "quantity", type: "number", min: 1, max: p.max_per_order, value: 1 });
  const add = el("form", { onsubmit: (event) => {
    event.preventDefault();
    const lines = cart().filter((line) => line.product !== link(p, "self"));
    lines.push({ product: link(p, "self"), title: p.title, quantity: Number(quantity.value) || 1, max: p.max_per_order });
    saved.set("cart", lines);
    updateCartLink();
    location.hash = route("cart");
  } }, p.max_per_order > 1 ? el("div", { class: "field" }, el("label", { for: "quantity", text: "Quantity" }), quantity) : null,
  el("button", { type: "submit", disabled: !p.available, text: "Add to cart" }));
  params.show(el("div", { class: "product" }, cover(p), el("div", {}, el("h1", { text: p.title }),
    el("p", { class: "price", text: money(p.price) }),
    el("p", { class: "muted", text: p.price_includes_tax ? "Taxes included" : "Plus taxes, shown in the cart" }),
    availability, facts, add)));
}

// ---- the cart and checkout ----
const CONSUMER = [["email", "Email", "email"], ["first_name", "First name", "text"], ["last_name", "Last name", "text"],
  ["country", "Country (two letters)", "text"], ["region", "Region (e.g. QC, if asked)", "text"]];

function cartBody(extra = {}) {
  const consumer = {};
  for (const [name] of CONSUMER) {
    const value = document.getElementById(`consumer-${name}`)?.value.trim();
    if (value) consumer[name] = value;
  }
  return { products: cart().map((line) => ({ product: line.product, quantity: line.quantity })), consumer, ...extra };
}

function showProblem(problem, box) {
  document.querySelectorAll(".field .error").forEach((e) => { e.textContent = ""; });
  document.querySelectorAll("[aria-invalid]").forEach((e) => e.removeAttribute("aria-invalid"));
  const unplaced = [];
  for (const error of problem?.errors || []) {
    const id = error.path.replace(/^\//, "").replace(/\//g, "-").replace(/^products-(\d+)-.*/, "quantity-$1");
    const target = document.getElementById(`${id}-error`);
    if (target) {
      target.textContent = error.message;
      document.getElementById(id)?.setAttribute("aria-invalid", "true");
    } else unplaced.push(`${error.path}: ${error.message}`);
  }
  box.replaceChildren(problem ? notice([problem.detail, ...unplaced].join(" "), "bad") : "");
}

function billTable(bill, caption) {
  return el("table", {}, el("caption", { class: "muted", text: caption }),
    el("thead", {}, el("tr", {}, el("th", { text: "Item" }), el("th", { class: "num", text: "Qty" }), el("th", { class: "num", text: "Total" }))),
    el("tbody", {}, (bill.lines || bill._embedded?.["shop:order_lines"] || []).map((line) =>
      el("tr", {}, el("td", { text: line.title }), el("td", { class: "num", text: line.quantity }), el("td", { class: "num", text: money(line.total) })))),
    el("tfoot", {},
      el("tr", {}, el("th", { colspan: 2, text: "Products" }), el("td", { class: "num", text: money(bill.product_total) })),
      (bill.taxes || []).map((tax) => el("tr", {}, el("th", { colspan: 2, text: `${tax.name} (${tax.rate} %)` }), el("td", { class: "num", text: money(tax.amount) }))),
      el("tr", {}, el("th", { colspan: 2, text: "Total" }), el("td", { class: "num price", text: money(bill.grand_total) }))));
}

async function cartView(params) {
  const lines = cart();
  if (!lines.length) return params.show(el("h1", { text: "Your cart" }), notice("Your cart is empty."), el("a", { href: route(""), text: "Browse the catalogue" }));
  const start = await root();
  const forms = start._templates || {};
  const priced = el("div", { id: "bill" }, el("p", { class: "loading", text: "Pricing…" }));
  const problems = el("div", { id: "problems" });
  const buyer = saved.get("buyer", { country: "FR" });
  let timer;
  const price = async () => {
    saved.set("buyer", cartBody().consumer);
    const { ok, data } = await api(forms.price.target, { method: forms.price.method, body: cartBody() });
    if (ok) { priced.replaceChildren(billTable(data, "Your order, priced now")); showProblem(null, problems); } else showProblem(data, problems);
  };
  const later = () => { clearTimeout(timer); timer = setTimeout(price, 300); };
  const rows = lines.map((line, index) => el("div", { class: "field" },
    el("label", { for: `quantity-${index}`, text: `Quantity of ${line.title}` }),
    el("input", { id: `quantity-${index}`, type: "number", min: 1, max: line.max, value: line.quantity, oninput: (event) => {
      const all = cart(); all[index].quantity = Number(event.target.value) || 1; saved.set("cart", all); later();
    } }), " ",
    el("button", { type: "button", class: "secondary", text: `Remove ${line.title}`, onclick: () => {
      saved.set("cart", cart().filter((_, i) => i !== index)); updateCartLink(); router();
    } }), el("div", { class: "error", id: `quantity-${index}-error`, role: "alert" })));
  const place = el("button", { type: "submit", text: "Place order" });
  const form = el("form", { novalidate: true, oninput: later, onsubmit: async (event) => {
    event.preventDefault();
    place.disabled = true;
    const back = location.origin + location.pathname;
    const { ok, data } = await api(forms.create_order.target, { method: forms.create_order.method, body: cartBody({ redirect_url: back }) });
    place.disabled = false;
    if (!ok) return showProblem(data, problems);
    const all = orders();
    all[link(data, "self")] = { token: data.token, reference: data.reference, created_at: data.created_at };
    saved.set("orders", all);
    saved.set("cart", []);
    updateCartLink();
    location.hash = route("order", link(data, "self"));
  } }, el("h2", { text: "Items" }), rows, el("h2", { text: "Your details" }),
  CONSUMER.map(([name, label, type]) => field(`consumer-${name}`, label, { type, value: buyer[name] || "", autocomplete: { email: "email", first_name: "given-name", last_name: "family-name", country: "country" }[name] })),
  place);
  params.show(el("h1", { text: "Your cart" }), problems, el("div", { class: "two" }, el("div", { class: "panel" }, form), el("div", { class: "panel" }, priced)));
  price();
}

// ---- orders ----
async function ordersView(params) {
  const known = Object.entries(orders()).sort((a, b) => (b[1].created_at || "").localeCompare(a[1].created_at || ""));
  const listed = new Map(known.map(([url, o]) => [url, `Order ${o.reference}`]));
  const start = await root();
  if (customer() && link(start, "shop:orders")) {
    const { ok, data } = await api(link(start, "shop:orders"));
    for (const order of ok ? data._embedded?.["shop:orders"] || [] : []) listed.set(link(order, "self"), `Order ${order.reference}`);
  }
  params.show(el("h1", { text: "My orders" }), listed.size
    ? el("ul", {}, [...listed].map(([url, name]) => el("li", {}, el("a", { href: route("order", url), text: name }))))
    : notice("No order placed from this browser yet."));
}

// ---- signing in (the development identity provider) and the customer's library ----
async function signInView(params) {
  const start = await root();
  const target = link(start, "shop:dev_tokens");
  if (customer()) {
    return params.show(el("h1", { text: "Your account" }), el("p", { text: `Signed in as ${customer().sub}.` }),
      el("button", { type: "button", text: "Sign out", onclick: () => { saved.set("customer", null); updateAccount(); location.hash = route(""); } }));
  }
  if (!target) return params.show(el("h1", { text: "Sign in" }), notice("Signing in goes through the shop's identity provider, which is not available here."));
  const problems = el("div");
  const form = el("form", { novalidate: true, onsubmit: async (event) => {
    event.preventDefault();
    const body = { sub: document.getElementById("sub").value.trim() };
    const email = document.getElementById("email").value.trim();
    if (email) body.email = email;
    const { ok, data } = await api(target, { method: "POST", body });
    if (!ok) return showProblem(data, problems);
    saved.set("customer", { sub: body.sub, token: data.access_token, expires: Date.now() + data.expires_in * 1000 });
    updateAccount();
    location.hash = route("");
  } }, field("sub", "Customer name", { autocomplete: "username" }), field("email", "Email", { type: "email", autocomplete: "email" }),
  el("button", { type: "submit", text: "Sign in" }));
  params.show(el("h1", { text: "Sign in" }), el("p", { class: "muted", text: "Development sign-in: choose any customer name." }), problems, el("div", { class: "panel" }, form));
}

async function libraryView(params) {
  const start = await root();
  if (!customer()) return params.show(el("h1", { text: "My library" }), notice("Sign in to see the books you own."), el("a", { href: route("signin"), text: "Sign in" }));
  params.show(el("h1", { text: "My library" }), await deliveries(link(start, "shop:library")));
}

const STATUS = { awaiting_payment: "Awaiting payment", paid: "Paid", completed: "Completed", cancelled: "Cancelled",
  partially_refunded: "Partially refunded", refunded: "Refunded", expired: "Expired" };

async function orderView(params) {
  const url = params.get("u");
  const token = tokenOf(url);
  const { ok, data: order } = await api(url, { token });
  if (!ok) return params.show(el("h1", { text: "Order" }), notice(order?.detail || "This order cannot be shown in this browser.", "bad"));
  const parts = [el("h1", { text: `Order ${order.reference}` })];
  const result = params.get("result");
  if (result) parts.push(notice(result === "sold" ? "Payment received: thank you!" : "The payment was declined; you can pay again.", result === "sold" ? "good" : "bad"));
  parts.push(el("p", {}, "Status: ", el("strong", { id: "order-status", text: STATUS[order.status] || order.status })));
  if (link(order, "payment")) parts.push(el("p", {}, el("a", { class: "button", href: link(order, "payment"), text: "Pay now" })));
  parts.push(el("div", { class: "panel" }, billTable(order, `Placed ${new Date(order.created_at).toLocaleString()}`)));
  if (link(order, "shop:deliveries")) parts.push(await deliveries(link(order, "shop:deliveries"), token));
  parts.push(await refundSection(order, token));
  if (link(order, "shop:refund_requests")) parts.push(await refundRequests(link(order, "shop:refund_requests"), token));
  params.show(...parts);
}

async function deliveries(url, token) {
  const { ok, data } = await api(url, { token });
  const items = ok ? data._embedded?.["shop:deliveries"] || [] : [];
  const section = el("section", { class: "panel" }, el("h2", { text: "Your downloads and tickets" }));
  if (!items.length) section.append(el("p", { class: "muted", text: "Delivered once the order is paid." }));
  for (const d of items) {
    const status = el("span", { class: "muted" });
    const form = d._templates?.create_download_link;
    const ticket = link(d, "shop:ticket") ? (await api(link(d, "shop:ticket"), { token })).data : null;
    section.append(el("p", {}, el("strong", { text: d.title }), " ", el("span", { class: "tag", text: d.status }), " ",
      ticket?.barcode ? el("span", { class: "barcode", text: `Ticket ${ticket.barcode}` }) : null,
      form ? el("button", { type: "button", text: `Download ${d.title}`, onclick: async (event) => {
        event.target.disabled = true;
        const answer = await api(form.target, { method: form.method, body: {}, token });
        event.target.disabled = false;
        if (!answer.ok) return status.replaceChildren(notice(answer.data?.detail || "No download link now.", "bad"));
        status.textContent = "Your download has started.";
        location.assign(answer.data.href);
      } }) : null, " ", status));
  }
  return section;
}

async function refundSection(order, token) {
  const eligibility = order.refund_eligibility;
  const section = el("section", { class: "panel" }, el("h2", { text: "Refund" }));
  const billUrl = link(order, "shop:refund_bill");
  const bill = billUrl && order._templates?.request_refund ? await api(billUrl, { token }) : null;
  if (bill?.ok) {
    section.append(el("p", { id: "refund-bill" }, `A refund now would return ${money(bill.data.refund_amount)}`,
      Number(bill.data.voucher_amount?.amount) > 0 ? ` and a voucher of ${money(bill.data.voucher_amount)}` : "", "."));
  }
  if (eligibility?.checks) {
    section.append(el("ul", {}, eligibility.checks.map((check) =>
      el("li", {}, `${check.passed ? "✓" : "✗"} ${check.detail}`))));
  }
  const form = order._templates?.request_refund;
  if (!form) {
    section.append(el("p", { class: "muted", text: eligibility?.eligible === false ? "This order cannot be refunded." : "No new refund request can be made now." }));
    return section;
  }
  const box = el("div");
  section.append(el("p", {}, `Refundable now: ${money(order.refundable_total)}`), box,
    el("button", { type: "button", text: "Request a refund", onclick: async () => {
      const body = {};
      for (const property of form.properties || []) if (property.value !== undefined) body[property.name] = property.value;
      const answer = await api(form.target, { method: form.method, body, token });
      if (!answer.ok) return box.replaceChildren(notice(answer.data?.detail || "The refund was refused.", "bad"));
      router();
    } }));
  return section;
}

const REQUEST_STATUS = { new: "Waiting for the shop", approved: "Approved", rejected: "Rejected", processed: "Refunded", cancelled: "Cancelled" };

async function refundRequests(url, token) {
  const { ok, data } = await api(url, { token });
  const items = ok ? data._embedded?.["shop:refund_requests"] || [] : [];
  if (!items.length) return null;
  return el("section", { class: "panel" }, el("h2", { text: "Refund requests" }),
    el("ul", { class: "requests" }, await Promise.all(items.map(async (listed) => {
      // Embedded requests come without their actions: an open one is read whole for them.
      const r = listed.status === "new" ? (await api(link(listed, "self"), { token })).data || listed : listed;
      return el("li", {},
      el("p", {}, `Requested ${new Date(r.created_at).toLocaleString()}: `,
        el("strong", { class: "refund-status", text: REQUEST_STATUS[r.status] || r.status }),
        r._embedded?.["shop:refund_bill"] ? ` (${money(r._embedded["shop:refund_bill"].refund_amount)})` : ""),
      r.decision_reason ? el("p", { class: "muted", text: `The shop said: ${r.decision_reason}` }) : null,
      requestChoices(r, token));
    }))));
}

/** The ways a refund can be paid, as the shares of a request's update template. */
const SHARES = [["refund_percentage", "Money back to my payment method"], ["voucher_percentage", "A voucher for this shop"],
  ["change_order_percentage", "A change of order"], ["donation_percentage", "A donation to the organiser"]];

/** While a request is new, its holder chooses how to be refunded, or cancels it. */
function requestChoices(request, token) {
  const update = request._templates?.update;
  const cancel = request._templates?.cancel;
  if (!update && !cancel) return null;
  const offered = SHARES.filter(([name]) => update?.properties.some((p) => p.name === name) && request[name] !== null);
  const box = el("div", { id: `request-${request.uid}-problems` });
  const send = async (template, body) => {
    const current = await api(link(request, "self"), { token });
    const answer = await api(template.target, { method: template.method, body, token, etag: current.etag });
    if (!answer.ok) return showProblem(answer.data, box);
    router();
  };
  const chosen = SHARES.find(([name]) => Number(request[name]) === 1)?.[0];
  const form = update && el("form", { class: "choices", novalidate: true, onsubmit: (event) => {
    event.preventDefault();
    const choice = event.target.querySelector("input[name=share]:checked")?.value;
    const body = Object.fromEntries(offered.map(([name]) => [name, name === choice ? "1.00" : "0.00"]));
    const holder = document.getElementById("bank_details-account_holder").value.trim();
    const iban = document.getElementById("bank_details-iban").value.trim();
    if (holder || iban) body.bank_details = { account_holder: holder, iban };
    send(update, body);
  } }, el("fieldset", {}, el("legend", { text: "How would you like to be refunded?" }),
    offered.map(([name, text]) => el("label", { class: "check" },
      el("input", { type: "radio", name: "share", value: name, checked: name === chosen }), ` ${text}`))),
  el("details", {}, el("summary", { text: "Bank details (only if the shop asks for them)" }),
    field("bank_details-account_holder", "Account holder", { autocomplete: "name" }),
    field("bank_details-iban", "IBAN", { autocomplete: "off" })),
  el("button", { type: "submit", text: "Save my choice" }));
  return el("div", {}, box, form, cancel && el("button", { type: "button", class: "secondary", text: "Cancel the request",
    onclick: () => send(cancel, Object.fromEntries((cancel.properties || []).map((p) => [p.name, p.value]))) }));
}

// ---- routing ----
function updateCartLink() {
  const count = cart().reduce((n, line) => n + line.quantity, 0);
  document.getElementById("cart-link").textContent = count ? `Cart (${count})` : "Cart";
}

const VIEWS = { "": catalogue, product, cart: cartView, orders: ordersView, order: orderView, signin: signInView, library: libraryView };

function updateAccount() {
  const account = document.getElementById("account-link");
  const library = document.getElementById("library-link");
  account.textContent = customer() ? `Account (${customer().sub})` : "Sign in";
  library.hidden = !customer();
}

/** Which render is the latest: a view that finishes after another one started shows nothing. */
let latest = 0;

async function router() {
  const [path, query = ""] = location.hash.replace(/^#\/?/, "").split("?");
  const view = VIEWS[path] || catalogue;
  const id = ++latest;
  // What is on screen is the last page until the next one is drawn: nothing on it can be used.
  main.inert = true;
  main.classList.add("busy");
  const params = new URLSearchParams(query);
  params.show = (...nodes) => { if (id === latest) show(...nodes); };
  // A slow answer shows the page's outline, not a blank: nothing jumps when it arrives.
  const slow = setTimeout(() => params.show(outline()), 150);
  try {
    await view(params);
  } catch (error) {
    params.show(notice(`Something went wrong: ${error.message}`, "bad"));
  } finally {
    clearTimeout(slow);
  }
}

function outline() {
  return el("div", { class: "outline" }, el("p", { class: "visually-hidden", role: "status", text: "Loading…" }),
    el("div", { class: "bone heading", "aria-hidden": "true" }),
    el("div", { class: "grid", "aria-hidden": "true" }, [1, 2, 3, 4].map(() => el("div", { class: "bone card" }))));
}

async function start() {
  // Back from the payment page: the provider names the order and the result.
  const back = new URLSearchParams(location.search);
  if (back.get("order")) {
    history.replaceState(null, "", `${location.pathname}#/order?u=${encodeURIComponent(back.get("order"))}&result=${encodeURIComponent(back.get("result") || "")}`);
  }
  updateCartLink();
  updateAccount();
  const shop = await root();
  if (shop?.name) {
    document.title = shop.name;
    document.getElementById("brand").textContent = shop.name;
  }
  if (shop?.customer_service) {
    document.getElementById("footer").textContent = `Questions? ${shop.customer_service.email} · ${shop.customer_service.phone}`;
  }
  window.addEventListener("hashchange", router);
  router();
}

start();
