// The script of the browsable API's pages. The server renders every page; this script
// - keeps the credentials typed into the page for the tab (sessionStorage) and, while any are
//   kept, loads pages with them (Accept: text/html plus the credential headers) and puts the
//   answer in place, since a plain link cannot send headers;
// - fills in templated links (RFC 6570) and navigates;
// - submits HAL-FORMS templates with fetch and shows the answer, building nested objects and
//   lists from the form's fieldsets, and adds and removes the items of a list.
// Nothing from a response is ever inserted as markup except a page the server rendered.
"use strict";

const STORE = "halshop.credentials";
const FIELDS = ["order_token", "bearer", "merchant_key", "merchant_secret"];

function kept() {
  try {
    return JSON.parse(sessionStorage.getItem(STORE) || "{}") || {};
  } catch {
    return {};
  }
}

function hasCredentials() {
  return FIELDS.some((name) => kept()[name]);
}

function keep(credentials) {
  try {
    sessionStorage.setItem(STORE, JSON.stringify(credentials));
  } catch {
    // Storage refused (a private window): the credentials last as long as the page.
  }
}

function base64(text) {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

// The headers that carry the kept credentials: merchant Basic wins over a bearer token.
function credentialHeaders() {
  const credentials = kept();
  const headers = {};
  if (credentials.order_token) headers["Order-Token"] = credentials.order_token;
  if (credentials.merchant_key) {
    headers.Authorization = "Basic " + base64(`${credentials.merchant_key}:${credentials.merchant_secret || ""}`);
  } else if (credentials.bearer) {
    headers.Authorization = "Bearer " + credentials.bearer;
  }
  return headers;
}

function element(name, attributes = {}, children = []) {
  const node = document.createElement(name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  for (const child of [].concat(children)) node.append(child);
  return node;
}

// --- Pages --------------------------------------------------------------------------------

function enable(root) {
  for (const button of root.querySelectorAll("form.hal-form button, form.uri-template button")) {
    button.disabled = false;
  }
}

// Opens a page: with kept credentials the page is fetched with them and put in place;
// otherwise, and for anything that is not one of these pages, the browser navigates.
async function navigate(url, push) {
  if (!hasCredentials()) {
    location.assign(url);
    return;
  }
  let response;
  try {
    response = await fetch(url, { headers: { ...credentialHeaders(), Accept: "text/html" } });
  } catch {
    location.assign(url);
    return;
  }
  const type = response.headers.get("content-type") || "";
  const page = type.startsWith("text/html")
    ? new DOMParser().parseFromString(await response.text(), "text/html")
    : null;
  const main = page && page.getElementById("resource");
  if (!main) {
    location.assign(url);
    return;
  }
  const current = document.getElementById("resource");
  current.replaceWith(document.importNode(main, true));
  document.title = page.title;
  if (push) {
    history.pushState(null, "", url);
    const heading = document.querySelector("#resource h1");
    if (heading) {
      heading.tabIndex = -1;
      heading.focus();
    }
  }
  enable(document.getElementById("resource"));
}

function followLink(event) {
  const link = event.target.closest("a.hal");
  if (!link || !hasCredentials() || event.defaultPrevented) return;
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(link.href, true);
}

// --- Templated links (RFC 6570) -------------------------------------------------------------

const OPERATORS = {
  "": { separator: ",", first: "", named: false, reserved: false },
  "+": { separator: ",", first: "", named: false, reserved: true },
  "#": { separator: ",", first: "#", named: false, reserved: true },
  ".": { separator: ".", first: ".", named: false, reserved: false },
  "/": { separator: "/", first: "/", named: false, reserved: false },
  ";": { separator: ";", first: ";", named: true, reserved: false },
  "?": { separator: "&", first: "?", named: true, reserved: false },
  "&": { separator: "&", first: "&", named: true, reserved: false },
};

// Expands a template; an empty field leaves its variable undefined.
function expand(template, values) {
  return template.replace(/\{([^}]*)\}/g, (_, expression) => {
    const operator = "+#./;?&".includes(expression[0]) ? expression[0] : "";
    const rule = OPERATORS[operator];
    const parts = [];
    for (const spec of expression.slice(operator.length).split(",")) {
      const [, name, prefix] = /^([^:*]+)(?::(\d+))?\*?$/.exec(spec) || [];
      let value = name === undefined ? "" : values[name] || "";
      if (value === "") continue;
      if (prefix) value = value.slice(0, Number(prefix));
      const encoded = rule.reserved ? encodeURI(value) : encodeURIComponent(value);
      parts.push(rule.named ? `${name}=${encoded}` : encoded);
    }
    return parts.length ? rule.first + parts.join(rule.separator) : "";
  });
}

function fillTemplate(form) {
  const values = {};
  for (const input of form.querySelectorAll("[data-variable]")) values[input.dataset.variable] = input.value;
  const url = new URL(expand(form.dataset.template, values), location.href);
  if (url.protocol === "http:" || url.protocol === "https:") navigate(url.href, true);
}

// --- HAL-FORMS templates --------------------------------------------------------------------

const TEXT_TYPES = ["text", "textarea", "hidden", "search"];

function optionValue(option) {
  return option.hasAttribute("data-json-value") ? JSON.parse(option.dataset.jsonValue) : option.value;
}

// The value a field sends, or undefined to leave it out: numbers as numbers, checkboxes as
// booleans, and text that looks like a JSON object or list as that JSON.
function fieldValue(field) {
  const type = field.dataset.type;
  if (field.type === "checkbox") return field.checked;
  if (field.tagName === "SELECT") {
    const chosen = [...field.selectedOptions].filter((option) => option.value !== "");
    if (field.multiple || field.hasAttribute("data-multi")) return chosen.map(optionValue);
    return chosen.length ? optionValue(chosen[0]) : undefined;
  }
  const value = field.value;
  if (value === "") return undefined;
  if (type === "number" || type === "range") {
    const number = Number(value);
    return Number.isFinite(number) ? number : value;
  }
  if (type === "datetime-local") {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? value : date.toISOString().replace(/\.\d{3}Z$/, "Z");
  }
  if (field.hasAttribute("data-json") || (TEXT_TYPES.includes(type) && /^\s*[[{]/.test(value))) {
    try {
      return JSON.parse(value);
    } catch {
      return value; // sent as written: the server names the field that is wrong
    }
  }
  return value;
}

// --- The body of a form: its fields, objects (fieldsets) and lists (fieldsets of items) ---------

// The form, object or list item a field or group belongs to.
function ownerOf(node) {
  return node.parentElement.closest("[data-kind], [data-item], form");
}

function membersOf(container) {
  return [...container.querySelectorAll("[data-field]")].filter((node) => ownerOf(node) === container);
}

function itemsOf(list) {
  return [...list.querySelectorAll("[data-item]")].filter((item) => ownerOf(item) === list);
}

// The values of a comma-separated list field, each converted as its type says.
function listValue(field) {
  const values = field.value.split(/[,\n]/).map((value) => value.trim()).filter((value) => value !== "");
  if (!values.length) return undefined;
  if (field.dataset.type !== "number") return values;
  return values.map((value) => (Number.isFinite(Number(value)) ? Number(value) : value));
}

// What someone typed or chose, as opposed to what the form came with: a fixed or hidden
// value, or a checkbox left as it was, does not make a group worth sending.
function isGiven(field, value) {
  if (field.readOnly || field.type === "hidden" || field.hasAttribute("data-readonly")) return false;
  return !(field.type === "checkbox" && value === field.defaultChecked);
}

// A member's value (undefined to leave it out) and whether any of it was given. An object
// nothing was given for is left out unless it is required; so is a list item.
function memberValue(member) {
  if (member.dataset.kind === "object") {
    const { body, given } = groupValue(member);
    return { value: given || member.hasAttribute("data-required") ? body : undefined, given };
  }
  if (member.dataset.kind === "list") {
    const items = itemsOf(member).map(groupValue).filter((item) => item.given);
    return { value: items.length ? items.map((item) => item.body) : undefined, given: items.length > 0 };
  }
  let value;
  if (member.hasAttribute("data-multi") && member.tagName !== "SELECT") value = listValue(member);
  else value = fieldValue(member);
  if (member.hasAttribute("data-multi") && Array.isArray(value) && !value.length) value = undefined;
  return { value, given: value !== undefined && isGiven(member, value) };
}

// The members of a group that have a value, and whether any of them was given.
function groupValue(container) {
  const body = {};
  let given = false;
  for (const member of membersOf(container)) {
    const found = memberValue(member);
    if (found.value !== undefined) body[member.dataset.field] = found.value;
    given = given || found.given;
  }
  return { body, given };
}

function formBody(form) {
  return groupValue(form).body;
}

// --- Lists: adding and removing items ---------------------------------------------------------

let copies = 0;

// An item added to a list: a copy of the first, emptied, its nested lists back to one item,
// with ids of its own.
function freshItem(first) {
  const item = first.cloneNode(true);
  for (const list of item.querySelectorAll("[data-kind=list]")) {
    for (const extra of itemsOf(list).slice(1)) extra.remove();
  }
  for (const field of item.querySelectorAll("input, textarea")) {
    if (field.type === "checkbox") field.checked = field.defaultChecked;
    else field.value = field.defaultValue;
  }
  for (const option of item.querySelectorAll("option")) option.selected = option.defaultSelected;
  copies += 1;
  for (const node of item.querySelectorAll("[id]")) node.id = `${node.id}-${copies}`;
  for (const label of item.querySelectorAll("label[for]")) label.htmlFor = `${label.htmlFor}-${copies}`;
  for (const field of item.querySelectorAll("[aria-describedby]")) {
    field.setAttribute("aria-describedby", `${field.getAttribute("aria-describedby")}-${copies}`);
  }
  return item;
}

// Numbers the items of a list ("Products 2") and gives every item but the first a Remove button.
function numberItems(list) {
  const prompt = list.dataset.itemPrompt || list.dataset.field;
  itemsOf(list).forEach((item, index) => {
    const name = `${prompt} ${index + 1}`;
    item.querySelector("legend").textContent = name;
    const remove = [...item.querySelectorAll("button[data-remove]")].find((button) => ownerOf(button) === item);
    // The item's name is part of the button's text (hidden from sight), not an aria-label,
    // so that the button is never taken for the label of a field.
    const text = ["Remove", element("span", { class: "visually-hidden" }, ` ${name}`)];
    if (remove) {
      remove.replaceChildren(...text);
    } else if (index > 0) {
      const button = element("button", { type: "button", "data-remove": "" }, text);
      item.append(element("p", { class: "remove" }, button));
    }
  });
}

function addItem(button) {
  const list = button.closest("[data-kind=list]");
  const items = itemsOf(list);
  const item = freshItem(items[0]);
  items[items.length - 1].after(item);
  numberItems(list);
  const first = item.querySelector("input:not([type=hidden]):not([readonly]), select, textarea");
  if (first) first.focus();
}

function removeItem(button) {
  const item = button.closest("[data-item]");
  const list = ownerOf(item);
  item.remove();
  numberItems(list);
  const own = (button) => button.closest("[data-kind=list]") === list;
  const add = [...list.querySelectorAll("button[data-add]")].find(own);
  if (add) add.focus();
}

// The ETag to send as If-Match: the page's own when the form acts on the page's resource,
// otherwise the target's current one.
async function currentEtag(target) {
  const main = document.getElementById("resource");
  if (main.dataset.self === target && main.dataset.etag) return main.dataset.etag;
  try {
    const response = await fetch(target, { headers: { ...credentialHeaders(), Accept: "application/hal+json" } });
    return response.ok ? response.headers.get("etag") : null;
  } catch {
    return null;
  }
}

function encodeBody(body, contentType) {
  if (!contentType.includes("x-www-form-urlencoded")) return JSON.stringify(body);
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(body)) {
    form.append(name, typeof value === "string" ? value : JSON.stringify(value));
  }
  return form.toString();
}

async function submitTemplate(form) {
  const method = (form.dataset.method || "GET").toUpperCase();
  const target = form.dataset.target || location.href;
  const contentType = form.dataset.contentType || "application/json";
  const body = formBody(form);
  if (method === "GET") {
    const url = new URL(target);
    for (const [name, value] of Object.entries(body)) {
      url.searchParams.set(name, typeof value === "string" ? value : JSON.stringify(value));
    }
    navigate(url.href, true);
    return;
  }
  const headers = { ...credentialHeaders(), Accept: "application/hal+json, application/problem+json" };
  const request = { method, headers };
  if (method !== "DELETE" || Object.keys(body).length) {
    headers["Content-Type"] = contentType;
    request.body = encodeBody(body, contentType);
  }
  if (["PUT", "PATCH", "DELETE"].includes(method)) {
    const etag = await currentEtag(target);
    if (etag) headers["If-Match"] = etag;
  }
  const box = form.querySelector(".result");
  box.replaceChildren(element("p", {}, "Sending…"));
  try {
    const response = await fetch(target, request);
    // A change to the page's own resource: a next change must name its new version.
    const main = document.getElementById("resource");
    if (response.ok && main.dataset.self === target && response.headers.get("etag")) {
      main.dataset.etag = response.headers.get("etag");
    }
    showResult(box, target, response);
  } catch (error) {
    box.replaceChildren(element("p", { class: "status failed" }, `The request failed: ${error.message}`));
  }
}

function problemSummary(problem) {
  const parts = [];
  if (problem.title) parts.push(element("p", {}, element("strong", {}, problem.title)));
  if (problem.detail) parts.push(element("p", {}, problem.detail));
  if (Array.isArray(problem.errors) && problem.errors.length) {
    const items = problem.errors.map((error) => element("li", {}, [element("code", {}, String(error.path)), `: ${error.message}`]));
    parts.push(element("ul", { class: "errors" }, items));
  }
  return parts;
}

function keepTokenButton(token) {
  const button = element("button", { type: "button" }, "Keep this order token");
  button.addEventListener("click", () => {
    keep({ ...kept(), order_token: token });
    showCredentials();
    button.replaceWith(element("span", {}, "Order token kept for this tab."));
  });
  return button;
}

async function showResult(box, target, response) {
  const text = await response.text();
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  const type = response.headers.get("content-type") || "";
  const status = `${response.status} ${response.statusText}`.trim();
  const parts = [element("p", { class: `status ${response.ok ? "ok" : "failed"}` }, element("strong", {}, status))];
  if (body && type.includes("problem+json")) parts.push(...problemSummary(body));
  const created = response.headers.get("location");
  if (created) {
    const href = new URL(created, target).href;
    parts.push(element("p", {}, element("a", { href, class: "hal" }, "Open the created resource")));
  }
  const token = response.headers.get("order-token");
  if (token) parts.push(element("p", {}, keepTokenButton(token)));
  if (text) parts.push(element("pre", {}, body === null ? text : JSON.stringify(body, null, 2)));
  box.replaceChildren(...parts);
}

// --- Credentials ----------------------------------------------------------------------------

function showCredentials() {
  const panel = document.getElementById("credentials");
  if (!panel) return;
  panel.hidden = false;
  const credentials = kept();
  for (const input of panel.querySelectorAll("[data-credential]")) {
    input.value = credentials[input.dataset.credential] || "";
  }
  if (hasCredentials()) panel.open = true;
}

function saveCredentials(form) {
  const credentials = {};
  for (const input of form.querySelectorAll("[data-credential]")) {
    if (input.value.trim()) credentials[input.dataset.credential] = input.value.trim();
  }
  keep(credentials);
  const status = document.getElementById("credentials-status");
  status.textContent = hasCredentials() ? "Credentials kept for this tab." : "No credentials kept.";
  if (hasCredentials()) navigate(location.href, false);
  else location.reload();
}

function forgetCredentials() {
  try {
    sessionStorage.removeItem(STORE);
  } catch {
    // Nothing was kept.
  }
  location.reload();
}

// --- Wiring ---------------------------------------------------------------------------------

document.addEventListener("submit", (event) => {
  const form = event.target;
  const handle = form.id === "credentials-form"
    ? saveCredentials
    : form.classList.contains("uri-template")
      ? fillTemplate
      : form.classList.contains("hal-form")
        ? submitTemplate
        : null;
  if (!handle) return;
  event.preventDefault();
  handle(form);
});
document.addEventListener("click", followLink);
document.addEventListener("click", (event) => {
  if (event.target.id === "credentials-forget") forgetCredentials();
  const add = event.target.closest("form.hal-form button[data-add]");
  if (add) addItem(add);
  const remove = event.target.closest("form.hal-form button[data-remove]");
  if (remove) removeItem(remove);
});
window.addEventListener("popstate", () => navigate(location.href, false));

showCredentials();
enable(document);
if (hasCredentials()) navigate(location.href, false);
