// halshop back office: a merchant's view of the API from its root, by its links and
// HAL-FORMS templates only. An action the API does not offer is not shown.
"use strict";

const ROOT = new URL("../", location.href).href;
const HAL = "application/hal+json";
const main = document.getElementById("main");
const KEY = "halshop.admin";

// ---- credentials: the merchant's app key and secret, for this browser tab only ----
const credentials = () => sessionStorage.getItem(KEY);

async function api(url, { method = "GET", body, etag, accept = HAL } = {}) {
  const headers = { Accept: accept };
  if (credentials()) headers.Authorization = `Basic ${credentials()}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (etag) headers["If-Match"] = etag;
  const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const type = response.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await response.json() : await response.text();
  return { ok: response.ok, status: response.status, data, etag: response.headers.get("ETag") };
}
const link = (doc, rel) => doc?._links?.[rel]?.href;
const route = (name, url) => `#/${name}${url ? `?u=${encodeURIComponent(url)}` : ""}`;

// ---- how values read ----
const NAMES = { q: "Search", isbn: "ISBN", uid: "Uid", sku: "SKU", url: "URL" };
const label = (name) => NAMES[name] || humanise(name);
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/;
const isMoney = (v) => v && typeof v === "object" && "amount" in v && "currency" in v && Object.keys(v).length === 2;
const money = (m) => new Intl.NumberFormat(undefined, { style: "currency", currency: m.currency }).format(Number(m.amount));
const isApiUrl = (v) => typeof v === "string" && v.startsWith(ROOT) && !v.includes("{");

/** A value as a person reads it: money, dates, yes/no, links to the API's own resources. */
function display(name, v) {
  if (v === null || v === undefined || v === "") return el("span", { class: "muted", text: "—" });
  if (isMoney(v)) return money(v);
  if (typeof v === "boolean") return v ? "Yes" : "No";
  if (typeof v === "string" && TIMESTAMP.test(v)) return el("time", { datetime: v, text: new Date(v).toLocaleString() });
  if (isApiUrl(v)) return el("a", { href: route("view", v), text: `Open ${label(name).toLowerCase()}` });
  if (Array.isArray(v)) {
    if (!v.length) return el("span", { class: "muted", text: "None" });
    if (v.every((item) => item === null || typeof item !== "object")) return v.join(", ");
    if (v.every(isMoney)) return v.map(money).join(", ");
    return table(v, { rel: name });
  }
  if (typeof v === "object") return properties(v);
  return String(v);
}

/** The members of a resource (`properties`) or of an object inside one (`facts`). */
function properties(data, kind = "facts") {
  const rows = Object.entries(data).filter(([k]) => !k.startsWith("_"));
  return el("dl", { class: kind }, rows.map(([k, v]) => [el("dt", { text: label(k) }), el("dd", {}, display(k, v))]));
}

const COLUMNS = ["title", "reference", "name", "code", "barcode", "holder_name", "event_type", "provider_reference",
  "detail", "passed", "status", "outcome", "kind", "url", "rate", "quantity", "amount", "price", "total", "grand_total",
  "refund_amount", "starts_at", "received_at", "created_at"];
const nameOf = (item, n) => item.title || item.reference || item.name || item.code || item.barcode || item.provider_reference ||
  item.url || item.uid || `${n + 1}`;

/** Items as a table: the columns that say most, and an "Open …" link to each item's self. */
function table(items, { rel }) {
  const known = COLUMNS.filter((c) => items.some((item) => item[c] !== undefined));
  const scalar = Object.keys(items[0] || {}).filter((k) => !k.startsWith("_") && typeof items[0][k] !== "object");
  const columns = (known.length ? known : scalar).slice(0, 5);
  const opens = items.some((item) => link(item, "self"));
  return el("div", { class: "scroll" }, el("table", {},
    el("caption", { class: "visually-hidden", text: label(rel) }),
    el("thead", {}, el("tr", {}, columns.map((c) => el("th", { scope: "col", text: label(c) })),
      opens ? el("th", {}, el("span", { class: "visually-hidden", text: "Open" })) : null)),
    el("tbody", {}, items.map((item, n) => el("tr", {}, columns.map((c) => el("td", {}, display(c, item[c]))),
      opens ? el("td", {}, link(item, "self") ? el("a", { href: route("view", link(item, "self")), text: `Open ${nameOf(item, n)}` }) : "") : null)))));
}

// ---- signing in ----
function signInView(params) {
  const problems = el("div");
  const form = el("form", { onsubmit: async (event) => {
    event.preventDefault();
    const key = document.getElementById("app-key").value.trim();
    const secret = document.getElementById("secret").value.trim();
    sessionStorage.setItem(KEY, btoa(`${key}:${secret}`));
    const check = await api(link(await root(), "shop:webhook_endpoints"));
    if (check.status === 401) {
      sessionStorage.removeItem(KEY);
      return problems.replaceChildren(notice("The app key or secret is wrong.", "bad"));
    }
    sections();
    if (location.hash.replace(/^#\/?/, "")) router(); else location.hash = route("");
  } }, el("div", { class: "field" }, el("label", { for: "app-key", text: "App key" }), el("input", { id: "app-key", autocomplete: "username", required: true })),
  el("div", { class: "field" }, el("label", { for: "secret", text: "Secret" }), el("input", { id: "secret", type: "password", autocomplete: "current-password", required: true })),
  el("button", { type: "submit", text: "Sign in" }));
  params.show(el("h1", { text: "Sign in to the back office" }), problems, el("div", { class: "panel narrow" }, form));
}

// ---- the sections, from the root's links ----
const SECTIONS = [
  ["shop:products", "Products", {}, "The catalogue: add, edit and withdraw products."],
  ["shop:orders", "Orders", {}, "Every order of the shop, with its payments, deliveries and refunds."],
  ["shop:refund_requests", "Refund queue", { status: "new" }, "Refund requests waiting for a decision."],
  ["shop:vouchers", "Vouchers", {}, "Store credit: issue a voucher, see which were used."],
  ["shop:events", "Events", {}, "Events with places, their tickets, and check-in at the door."],
  ["shop:webhook_endpoints", "Webhooks", {}, "Where halshop sends your events, and each delivery's log."],
  ["shop:daily_sales", "Daily sales", {}, "Sales, refunds and taxes of a day, in HAL or CSV."],
];

let rootDocument;
async function root() {
  if (!rootDocument) rootDocument = (await api(ROOT)).data;
  return rootDocument;
}
const offered = (start) => SECTIONS.filter(([rel]) => link(start, rel));

async function sections() {
  const nav = document.getElementById("sections");
  if (!credentials()) return nav.replaceChildren();
  const start = await root();
  nav.replaceChildren(...offered(start).map(([rel, name, values]) =>
    el("a", { href: route("view", expand(link(start, rel), values)), text: name })),
  el("button", { type: "button", class: "secondary", text: "Sign out", onclick: () => {
    sessionStorage.removeItem(KEY); sections(); location.hash = route("");
  } }));
}

async function homeView(params) {
  if (!credentials()) return signInView(params);
  const start = await root();
  params.show(el("h1", { text: start.name || "Back office" }),
    el("p", { class: "muted", text: "Choose a section above. Every list, page and action here comes from the API, and only the actions it offers you now are shown." }),
    el("ul", { class: "cards" }, offered(start).map(([, name, , about]) => el("li", { class: "panel" },
      el("h2", { text: name }), el("p", { class: "muted", text: about })))));
}

// ---- any resource: its properties, embedded items, links and forms ----
function titleOf(data, url) {
  if (data.reference) return `Order ${data.reference}`;
  if (data.barcode) return `Ticket ${data.barcode}`;
  if (data.code && data.amount) return `Voucher ${data.code}`;
  const section = SECTIONS.find(([rel]) => link(rootDocument, rel) && new URL(url).pathname === new URL(expand(link(rootDocument, rel), {})).pathname);
  return data.title || data.name || data.url || section?.[1] || label(new URL(url).pathname.split("/").filter(Boolean).pop() || "root");
}

async function resourceView(params) {
  if (!credentials()) return signInView(params);
  const url = params.get("u");
  const { ok, data, etag, status } = await api(url);
  if (!ok) return params.show(el("h1", { text: "Not available" }), notice(data?.detail || `The API answered ${status}.`, "bad"));
  await root();
  const parts = [el("h1", { text: titleOf(data, url) })];
  if (data.status) parts.push(el("p", {}, "Status: ", el("strong", { class: "status", id: "status", text: humanise(String(data.status)) })));
  const alternate = data._links?.alternate;
  if (alternate?.type === "text/csv") parts.push(el("p", {}, el("button", { type: "button", class: "secondary", text: "Download CSV", onclick: () => downloadCsv(alternate.href) })));
  if (data._links?.search?.templated) parts.push(searchForm(data._links.search.href, url));
  const facts = Object.fromEntries(Object.entries(data).filter(([k, v]) => !k.startsWith("_") && !(Array.isArray(v) && v.length && typeof v[0] === "object")));
  if (Object.keys(facts).length) parts.push(el("section", { class: "panel" }, properties(facts, "properties")));
  for (const [k, v] of Object.entries(data)) if (!k.startsWith("_") && Array.isArray(v) && v.length && typeof v[0] === "object") parts.push(el("section", {}, el("h2", { text: label(k) }), table(v, { rel: k })));
  for (const [rel, items] of Object.entries(data._embedded || {})) parts.push(embedded(rel, items));
  if (link(data, "shop:payments")) parts.push(await inline(link(data, "shop:payments"), "shop:payments", "Payments"));
  if (link(data, "shop:tickets")) parts.push(await checkIn(data));
  parts.push(links(data), forms(data, etag));
  params.show(...parts);
}

function embedded(rel, items) {
  if (!Array.isArray(items)) return el("section", {}, el("h2", { text: label(rel) }), el("div", { class: "panel" }, properties(items)));
  return el("section", {}, el("h2", { text: label(rel) }), items.length ? table(items, { rel }) : el("p", { class: "muted", text: "None." }));
}

/** A collection the resource links, shown in place (an order's payments). */
async function inline(url, rel, title) {
  const { ok, data } = await api(url);
  const items = ok ? data._embedded?.[rel] || [] : [];
  return el("section", {}, el("h2", { text: title }), items.length ? table(items, { rel }) : el("p", { class: "muted", text: "None yet." }));
}

/** The collection's `search` template as a filter form, its fields filled from the current URL. */
function searchForm(template, current) {
  const names = (template.match(/\{\?([^}]+)\}/)?.[1] || "").split(",").filter((n) => !["page", "page_size", "format"].includes(n));
  if (!names.length) return null;
  const now = new URL(current).searchParams;
  return el("form", { class: "search", role: "search", "aria-label": "Filter", onsubmit: (event) => {
    event.preventDefault();
    const values = Object.fromEntries(names.map((name) => [name, document.getElementById(`filter-${name}`).value.trim()]));
    location.hash = route("view", expand(template, values));
  } }, names.map((name) => el("div", {}, el("label", { for: `filter-${name}`, text: label(name) }),
    el("input", { id: `filter-${name}`, name, type: name === "date" ? "date" : "text", value: now.get(name) || "" }))),
  el("button", { type: "submit", text: "Filter" }));
}

function links(data) {
  const entries = Object.entries(data._links || {}).filter(([rel, l]) => !["self", "curies", "search", "alternate", "shop:payments"].includes(rel) && l?.href && (!l.type || l.type.includes("json")));
  if (!entries.length) return null;
  return el("nav", { class: "related", "aria-label": "Related" }, el("h2", { text: "Related" }), el("ul", { class: "links" },
    entries.map(([rel, l]) => el("li", {}, el("a", { href: route("view", l.templated ? expand(l.href, {}) : l.href), text: l.title || label(rel) })))));
}

async function downloadCsv(url) {
  const { ok, data } = await api(url, { accept: "text/csv" });
  if (!ok) return;
  const a = el("a", { href: URL.createObjectURL(new Blob([data], { type: "text/csv" })), download: "report.csv" });
  document.body.append(a); a.click(); a.remove();
}

// ---- actions: HAL-FORMS templates as forms ----
function forms(data, etag) {
  const templates = Object.entries(data._templates || {}).filter(([key]) => key !== "default");
  if (!templates.length) return null;
  return el("section", {}, el("h2", { text: "Actions" }), el("div", { class: "actions" }, templates.map(([key, t]) => {
    const submit = (body) => api(t.target, { method: t.method, body: t.method === "DELETE" ? undefined : body, etag: ["PUT", "DELETE"].includes(t.method) ? etag : undefined });
    return HalForms.form(key, t, submit, (answer) => after(answer, t));
  })));
}

/** After an action: a secret shown once stays on screen; otherwise go to what was made or changed. */
function after(answer, template) {
  if (template.method === "DELETE") return history.back();
  const next = link(answer.data, "self");
  if (answer.data?.secret) {
    return show(el("h1", { text: "Keep this secret" }), notice("It is shown this once: store it where your receiver can read it.", "good"),
      el("p", {}, el("code", { class: "secret", text: answer.data.secret })), next ? el("p", {}, el("a", { href: route("view", next), text: "Continue" })) : null);
  }
  if (next && route("view", next) !== location.hash) location.hash = route("view", next);
  else router();
}

/** Checks a ticket of the event in by its barcode: the tickets' search, then the ticket's own template. */
async function checkIn(event) {
  const { ok, data: tickets } = await api(link(event, "shop:tickets"));
  const search = ok && link(tickets, "search");
  if (!search) return null;
  const result = el("div", { class: "result" });
  const barcode = el("input", { id: "barcode", autocomplete: "off", required: true });
  const form = el("form", { "aria-label": "Check in a ticket", onsubmit: async (submitted) => {
    submitted.preventDefault();
    const found = await api(expand(search, { event: link(event, "self"), code: barcode.value.trim() }));
    const ticket = found.ok ? found.data._embedded?.["shop:tickets"]?.[0] : null;
    if (!ticket) return result.replaceChildren(notice("No ticket of this event has this barcode.", "bad"));
    const template = ticket._templates?.check_in;
    if (!template) return result.replaceChildren(notice(refusal(ticket), "bad"));
    const answer = await api(template.target, { method: template.method, body: {} });
    result.replaceChildren(answer.ok
      ? notice(`Checked in: ${ticket.holder_name || "ticket"} ${ticket.barcode}.`, "good")
      : notice(answer.data?.detail || "The check-in was refused.", "bad"));
    barcode.select();
  } }, el("div", { class: "field" }, el("label", { for: "barcode", text: "Barcode" }), barcode), el("button", { type: "submit", text: "Check in" }), result);
  return el("section", { class: "panel" }, el("h2", { text: "Check-in at the door" }), form);
}

/** Why a ticket offers no check-in, from its status. */
function refusal(ticket) {
  const who = `${ticket.holder_name || "Ticket"} ${ticket.barcode}`;
  if (ticket.status === "checked_in") {
    const at = ticket.checked_in_at ? ` at ${new Date(ticket.checked_in_at).toLocaleTimeString()}` : "";
    return `Already checked in${at}: ${who}.`;
  }
  if (ticket.status === "voided") return `Voided: ${who} lets nobody in.`;
  return `${who} is ${humanise(ticket.status).toLowerCase()}: it cannot be checked in.`;
}

// ---- routing ----
let latest = 0;
const VIEWS = { "": homeView, view: resourceView };
let show = () => {};

async function router() {
  const [path, query = ""] = location.hash.replace(/^#\/?/, "").split("?");
  const id = ++latest;
  // What is on screen is the last page until the next one is drawn: nothing on it can be used.
  main.inert = true;
  main.classList.add("busy");
  const params = new URLSearchParams(query);
  params.show = (...nodes) => {
    if (id !== latest) return;
    main.replaceChildren(...nodes.filter((n) => n != null));
    main.inert = false;
    main.classList.remove("busy");
    main.focus({ preventScroll: true });
  };
  show = params.show;
  const slow = setTimeout(() => params.show(el("p", { class: "loading", role: "status", text: "Loading…" })), 300);
  try {
    await (VIEWS[path] || homeView)(params);
  } catch (error) {
    params.show(notice(`Something went wrong: ${error.message}`, "bad"));
  } finally {
    clearTimeout(slow);
  }
}

window.addEventListener("hashchange", router);
sections();
router();
