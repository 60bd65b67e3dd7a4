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

function expand(template, values) {
  return template.replace(/\{([?&]?)([^}]+)\}/g, (_, op, names) => {
    const parts = names.split(",").filter((n) => values[n] !== undefined && values[n] !== "")
      .map((n) => (op ? `${n}=` : "") + encodeURIComponent(values[n]));
    if (!op) return parts.join(",");
    return parts.length ? (op === "?" ? "?" : "&") + parts.join("&") : "";
  });
}

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
const notice = (text, kind = "") => el("p", { class: `notice ${kind}`, role: kind === "bad" ? "alert" : "status", text });
const route = (name, url) => `#/${name}${url ? `?u=${encodeURIComponent(url)}` : ""}`;
const NAMES = { q: "Search", isbn: "ISBN", uid: "Uid" };
const label = (rel) => NAMES[rel] || rel.replace(/^shop:/, "").replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());
const isMoney = (v) => v && typeof v === "object" && "amount" in v && "currency" in v && Object.keys(v).length === 2;
const format = (v) => (isMoney(v) ? `${v.amount} ${v.currency}` : Array.isArray(v) ? `${v.length} item(s)` : v && typeof v === "object" ? JSON.stringify(v) : String(v));

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
    location.hash = route("");
    sections();
  } }, el("div", { class: "field" }, el("label", { for: "app-key", text: "App key" }), el("input", { id: "app-key", autocomplete: "username", required: true })),
  el("div", { class: "field" }, el("label", { for: "secret", text: "Secret" }), el("input", { id: "secret", type: "password", autocomplete: "current-password", required: true })),
  el("button", { type: "submit", text: "Sign in" }));
  params.show(el("h1", { text: "Sign in to the back office" }), problems, el("div", { class: "panel" }, form));
}

// ---- the sections, from the root's links ----
const SECTIONS = [
  ["shop:products", "Products", {}], ["shop:orders", "Orders", {}],
  ["shop:refund_requests", "Refund queue", { status: "new" }], ["shop:events", "Events", {}],
  ["shop:webhook_endpoints", "Webhooks", {}], ["shop:daily_sales", "Daily sales", {}],
];

let rootDocument;
async function root() {
  if (!rootDocument) rootDocument = (await api(ROOT)).data;
  return rootDocument;
}

async function sections() {
  const nav = document.getElementById("sections");
  if (!credentials()) return nav.replaceChildren();
  const start = await root();
  nav.replaceChildren(...SECTIONS.filter(([rel]) => link(start, rel)).map(([rel, name, values]) =>
    el("a", { href: route("view", expand(link(start, rel), values)), text: name })),
  el("button", { type: "button", class: "secondary", text: "Sign out", onclick: () => {
    sessionStorage.removeItem(KEY); sections(); location.hash = route("");
  } }));
}

async function homeView(params) {
  if (!credentials()) return signInView(params);
  const start = await root();
  params.show(el("h1", { text: start.name || "Back office" }),
    el("p", { class: "muted", text: "Choose a section above: every list, page and action comes from the API, and only the actions it offers you now are shown." }));
}

// ---- any resource: its properties, embedded items, links and forms ----
async function resourceView(params) {
  if (!credentials()) return signInView(params);
  const url = params.get("u");
  const { ok, data, etag, status } = await api(url);
  if (!ok) return params.show(el("h1", { text: "Not available" }), notice(data?.detail || `The API answered ${status}.`, "bad"));
  const title = data.title || data.name || (data.reference && `Order ${data.reference}`) || data.url || label(new URL(url).pathname.split("/").filter(Boolean)[0] || "root");
  const parts = [el("h1", { text: title })];
  const alternate = data._links?.alternate;
  if (alternate?.type === "text/csv") parts.push(el("p", {}, el("button", { type: "button", class: "secondary", text: "Download CSV", onclick: () => downloadCsv(alternate.href) })));
  if (data._links?.search?.templated) parts.push(searchForm(data._links.search.href, url));
  parts.push(properties(data));
  for (const [rel, items] of Object.entries(data._embedded || {})) if (Array.isArray(items)) parts.push(table(rel, items));
  parts.push(links(data), await forms(data, etag));
  params.show(...parts);
}

/** The collection's `search` template as a filter form, its fields filled from the current URL. */
function searchForm(template, current) {
  const names = (template.match(/\{\?([^}]+)\}/)?.[1] || "").split(",").filter((n) => !["page", "page_size"].includes(n));
  if (!names.length) return null;
  const now = new URL(current).searchParams;
  return el("form", { class: "search", role: "search", "aria-label": "Filter", onsubmit: (event) => {
    event.preventDefault();
    const values = {};
    for (const name of names) values[name] = event.target.elements[name].value.trim();
    location.hash = route("view", expand(template, values));
  } }, names.map((name) => el("div", {}, el("label", { for: `filter-${name}`, text: label(name) }),
    el("input", { id: `filter-${name}`, name, value: now.get(name) || "" }))),
  el("button", { type: "submit", text: "Filter" }));
}

function properties(data) {
  const rows = Object.entries(data).filter(([k, v]) => !k.startsWith("_") && v !== null && (typeof v !== "object" || isMoney(v)));
  return el("dl", { class: "properties panel" }, rows.map(([k, v]) => [el("dt", { text: label(k) }), el("dd", { text: format(v) })]));
}

function table(rel, items) {
  const columns = ["title", "reference", "name", "status", "kind", "url", "event_type", "price", "grand_total", "created_at"]
    .filter((c) => items.some((item) => item[c] !== undefined)).slice(0, 5);
  return el("section", {}, el("h2", { text: label(rel) }), items.length ? el("table", {},
    el("thead", {}, el("tr", {}, columns.map((c) => el("th", { text: label(c) })), el("th", { text: "" }))),
    el("tbody", {}, items.map((item, n) => el("tr", {}, columns.map((c) => el("td", { text: item[c] === undefined ? "" : format(item[c]) })),
      el("td", {}, link(item, "self") ? el("a", { href: route("view", link(item, "self")), text: `Open ${item.title || item.reference || item.name || item.uid || n + 1}` }) : ""))))) : el("p", { class: "muted", text: "None." }));
}

function links(data) {
  const entries = Object.entries(data._links || {}).filter(([rel, l]) => !["self", "curies"].includes(rel) && l?.href && !l.templated && (!l.type || l.type.includes("json")));
  if (!entries.length) return null;
  return el("section", {}, el("h2", { text: "Related" }), el("ul", { class: "links" },
    entries.map(([rel, l]) => el("li", {}, el("a", { href: route("view", l.href), text: label(rel) })))));
}

async function downloadCsv(url) {
  const { ok, data } = await api(url, { accept: "text/csv" });
  if (!ok) return;
  const a = el("a", { href: URL.createObjectURL(new Blob([data], { type: "text/csv" })), download: "report.csv" });
  document.body.append(a); a.click(); a.remove();
}

// ---- HAL-FORMS templates as forms ----
async function forms(data, etag) {
  const templates = Object.entries(data._templates || {}).filter(([key]) => key !== "default");
  if (!templates.length) return null;
  return el("section", {}, el("h2", { text: "Actions" }), el("div", { class: "actions" }, templates.map(([key, t]) => form(key, t, etag))));
}

function input(key, property) {
  const id = `${key}-${property.name}`;
  const common = { id, name: property.name, required: property.required, readonly: property.readOnly };
  const options = property.options?.inline;
  const control = options
    ? el("select", common, options.map((o) => el("option", { value: o.value ?? o, text: o.prompt ?? o.value ?? o, selected: (o.value ?? o) === property.value })))
    : el("input", { ...common, type: property.type === "number" ? "number" : property.type === "email" ? "email" : "text",
      value: property.value ?? "", min: property.min, max: property.max, pattern: property.regex });
  return el("div", { class: "field" }, el("label", { for: id, text: property.prompt || label(property.name) }), control,
    el("div", { class: "error", id: `${id}-error`, role: "alert" }));
}

function form(key, template, etag) {
  const result = el("div");
  const submit = async (event) => {
    event.preventDefault();
    const body = {};
    for (const property of template.properties || []) {
      const value = event.target.elements[property.name]?.value;
      if (value === undefined || value === "") continue;
      body[property.name] = property.type === "number" ? Number(value) : value;
    }
    const answer = await api(template.target, { method: template.method, body, etag: template.method === "PUT" ? etag : undefined });
    if (!answer.ok) {
      for (const error of answer.data?.errors || []) {
        const box = document.getElementById(`${key}-${error.path.split("/")[1]}-error`);
        if (box) box.textContent = error.message;
      }
      return result.replaceChildren(notice(answer.data?.detail || "Refused.", "bad"));
    }
    const next = link(answer.data, "self");
    if (next && route("view", next) !== location.hash) location.hash = route("view", next);
    else router();
  };
  return el("form", { "aria-label": template.title || label(key), onsubmit: submit, novalidate: true },
    el("h3", { text: template.title || label(key) }), (template.properties || []).map((p) => input(key, p)),
    el("button", { type: "submit", text: template.title || label(key) }), result);
}

// ---- routing ----
let latest = 0;
const VIEWS = { "": homeView, view: resourceView };

async function router() {
  const [path, query = ""] = location.hash.replace(/^#\/?/, "").split("?");
  const id = ++latest;
  const params = new URLSearchParams(query);
  params.show = (...nodes) => {
    if (id !== latest) return;
    main.replaceChildren(...nodes.filter((n) => n != null));
    main.focus({ preventScroll: true });
  };
  try {
    await (VIEWS[path] || homeView)(params);
  } catch (error) {
    params.show(notice(`Something went wrong: ${error.message}`, "bad"));
  }
}

window.addEventListener("hashchange", router);
sections();
router();
