// halshop back office: the small pieces every page uses — building elements, expanding the
// API's URI templates — and HAL-FORMS templates turned into HTML forms and back into the
// JSON body each template describes.
"use strict";

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
const humanise = (name) => name.replace(/^shop:/, "").replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());

/** RFC 6570 expansion of the `{?a,b}` and `{a}` forms the API's templated links use. */
function expand(template, values) {
  return template.replace(/\{([?&]?)([^}]+)\}/g, (_, op, names) => {
    const parts = names.split(",").filter((n) => values[n] !== undefined && values[n] !== "")
      .map((n) => (op ? `${n}=` : "") + encodeURIComponent(values[n]));
    if (!op) return parts.join(",");
    return parts.length ? (op === "?" ? "?" : "&") + parts.join("&") : "";
  });
}

const HalForms = (() => {
  const labelOf = (p) => p.prompt || humanise(p.name);
  const options = (p) => p.options?.inline?.map((o) => (typeof o === "object" ? o : { value: o, prompt: o })) || null;
  /** The `YYYY-MM-DDTHH:MM` (UTC) a datetime-local field shows for an RFC 3339 value. */
  const toInput = (value) => {
    const date = new Date(value);
    return value && !Number.isNaN(date.getTime()) ? date.toISOString().slice(0, 16) : "";
  };

  function errorBox(id) {
    return el("div", { class: "error", id: `${id}-error`, role: "alert" });
  }

  function choice(id, property) {
    const choices = options(property);
    if (property.multi) {
      const chosen = new Set(String(property.value ?? "").split(",").filter(Boolean));
      return el("fieldset", { class: "field", id }, el("legend", { text: labelOf(property) }),
        choices.map((o, n) => el("label", { class: "check" },
          el("input", { type: "checkbox", id: `${id}-${n}`, value: o.value, checked: chosen.has(o.value) }), ` ${o.prompt}`)),
        errorBox(id));
    }
    const select = el("select", { id, required: property.required },
      property.required ? null : el("option", { value: "", text: "—" }),
      choices.map((o) => el("option", { value: o.value, text: o.prompt, selected: o.value === property.value })));
    return el("div", { class: "field" }, el("label", { for: id, text: labelOf(property) }), select, errorBox(id));
  }

  /** One labelled field (or group of fields) for `property`; ids start with `prefix`. */
  function field(prefix, property) {
    const id = `${prefix}-${property.name}`;
    if (property.readOnly) return null;
    if (property.properties) {
      return el("fieldset", { class: "group", id }, el("legend", { text: labelOf(property) }),
        property.properties.map((member) => field(id, member)), errorBox(id));
    }
    if (options(property)) return choice(id, property);
    if (property.type === "checkbox") {
      return el("div", { class: "field" }, el("label", { class: "check", for: id },
        el("input", { type: "checkbox", id, checked: property.value === "true" }), ` ${labelOf(property)}`), errorBox(id));
    }
    const type = property.multi ? "text" : property.type || "text";
    const input = el("input", {
      id, type, required: property.required, pattern: property.regex, min: property.min, max: property.max,
      minlength: property.minLength, maxlength: property.maxLength, step: type === "number" ? "any" : undefined,
      value: type === "datetime-local" ? toInput(property.value) : property.value ?? "",
      "aria-describedby": property.multi || type === "datetime-local" ? `${id}-hint` : undefined,
    });
    const hint = property.multi ? "Separate several values with commas." : type === "datetime-local" ? "In UTC." : null;
    return el("div", { class: "field" }, el("label", { for: id, text: labelOf(property) }), input,
      hint ? el("div", { class: "hint muted", id: `${id}-hint`, text: hint }) : null, errorBox(id));
  }

  /** The JSON value of `property` as filled in, or undefined to leave it out. */
  function value(prefix, property) {
    const id = `${prefix}-${property.name}`;
    if (property.readOnly) return property.value ?? undefined;
    if (property.properties) {
      const object = {};
      for (const member of property.properties) {
        const v = value(id, member);
        if (v !== undefined) object[member.name] = v;
      }
      if (!Object.keys(object).length) return undefined;
      return property.multi ? [object] : object;
    }
    if (options(property) && property.multi) {
      return [...document.querySelectorAll(`[id^="${id}-"][type=checkbox]`)].filter((c) => c.checked).map((c) => c.value);
    }
    const input = document.getElementById(id);
    if (!input) return undefined;
    if (property.type === "checkbox") return input.checked;
    const text = input.value.trim();
    if (property.multi) return text.split(",").map((v) => v.trim()).filter(Boolean);
    if (text === "") return undefined;
    if (property.type === "number") return Number(text);
    if (property.type === "datetime-local") return `${text}:00Z`;
    return text;
  }

  function body(prefix, template) {
    const object = {};
    for (const property of template.properties || []) {
      const v = value(prefix, property);
      if (v !== undefined) object[property.name] = v;
    }
    return object;
  }

  /** Shows each error of a problem next to the field its JSON pointer names (or the closest
   *  group holding it); what has no field goes in `box` with the problem's detail. */
  function showProblem(prefix, problem, box) {
    document.querySelectorAll(`[id^="${prefix}-"].error, [id^="${prefix}-"] .error`).forEach((e) => { e.textContent = ""; });
    document.querySelectorAll(`[id^="${prefix}-"][aria-invalid]`).forEach((e) => e.removeAttribute("aria-invalid"));
    const unplaced = [];
    for (const error of problem?.errors || []) {
      const parts = error.path.replace(/^\//, "").split("/");
      let placed = false;
      while (parts.length && !placed) {
        const id = `${prefix}-${parts.join("-")}`;
        const target = document.getElementById(`${id}-error`);
        if (target) {
          target.textContent = error.message;
          document.getElementById(id)?.setAttribute("aria-invalid", "true");
          placed = true;
        }
        parts.pop();
      }
      if (!placed) unplaced.push(`${error.path}: ${error.message}`);
    }
    box.replaceChildren(notice([problem?.detail || "Refused.", ...unplaced].join(" "), "bad"));
  }

  /** A form for the template `key`: `submit(body)` sends it and answers `{ok, data}`;
   *  `done(answer)` runs after a success. */
  function form(key, template, submit, done) {
    const prefix = `form-${key}`;
    const result = el("div", { class: "result" });
    const button = el("button", { type: "submit", text: template.title || humanise(key) });
    return el("form", { "aria-label": template.title || humanise(key), novalidate: true, onsubmit: async (event) => {
      event.preventDefault();
      button.disabled = true;
      result.replaceChildren(el("p", { class: "loading", text: "Sending…" }));
      try {
        const answer = await submit(body(prefix, template));
        if (!answer.ok) return showProblem(prefix, answer.data, result);
        result.replaceChildren();
        await done(answer);
      } finally {
        button.disabled = false;
      }
    } }, el("h3", { text: template.title || humanise(key) }),
    (template.properties || []).map((p) => field(prefix, p)), button, result);
  }

  return { form, body, showProblem };
})();
