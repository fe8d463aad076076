// A form built from the JSON schema of a request body, as /v1/complaints/{id}/actions gives it:
// one field per property, typed from the schema, and the body read back from the fields.

import { el, label, t } from "./console.js";

// Words people write at length get a text area; names and ids a line.
const LONG_TEXT = new Set(["text", "description", "details", "outcome", "opinion", "reason", "consequences", "purpose", "features"]);

export function resolve(schema, root) {
  let current = schema;
  for (let depth = 0; current?.$ref && depth < 10; depth += 1) {
    const name = current.$ref.split("/").pop();
    current = (root.$defs ?? root.definitions ?? {})[name];
  }
  return current ?? {};
}

// A property's own schema and whether null is allowed (anyOf [X, null], or type [X, "null"]).
function unwrap(property, root) {
  const schema = resolve(property, root);
  const options = schema.anyOf ?? schema.oneOf;
  if (options) {
    const real = options.map((option) => resolve(option, root)).filter((option) => option.type !== "null");
    if (real.length === 1) return { schema: { ...real[0], default: schema.default }, nullable: real.length < options.length };
  }
  if (Array.isArray(schema.type)) {
    const types = schema.type.filter((type) => type !== "null");
    return { schema: { ...schema, type: types[0] }, nullable: types.length < schema.type.length };
  }
  return { schema, nullable: false };
}

function fieldId(prefix, name) {
  return `${prefix}-${name}`.replace(/[^A-Za-z0-9_-]/g, "_");
}

// choices: {field name: [{value, text}]}, e.g. the tenant's people or the case's deadlines.
export function schemaForm(rawSchema, { prefix = "f", choices = {} } = {}) {
  const schema = resolve(rawSchema, rawSchema);
  const required = new Set(schema.required ?? []);
  const fields = Object.entries(schema.properties ?? {}).map(([name, property]) => {
    const { schema: own, nullable } = unwrap(property, rawSchema);
    return field(name, own, { required: required.has(name), nullable, id: fieldId(prefix, name), choices: choices[name] });
  });

  return {
    elements: fields.map((f) => f.element),
    empty: fields.length === 0,
    read() {
      const body = {};
      const errors = [];
      for (const f of fields) {
        f.clearError();
        const { value, error, omit } = f.read();
        if (error) {
          f.showError(error);
          errors.push({ field: f.name, reason: error });
        } else if (!omit) body[f.name] = value;
      }
      return { body, errors };
    },
    // a 422's errors beside their fields; those naming no field come back
    showErrors(problemErrors = []) {
      const unplaced = [];
      for (const problem of problemErrors) {
        const name = String(problem.field ?? "").split(".").pop();
        const target = fields.find((f) => f.name === name);
        if (target) target.showError(problem.reason);
        else unplaced.push(problem);
      }
      return unplaced;
    },
    focusFirst() {
      fields[0]?.focus();
    },
  };
}

function field(name, schema, { required, nullable, id, choices }) {
  const error = el("p", { class: "field-error", id: `${id}-error`, "aria-live": "polite" });
  const caption = el("label", { for: id }, label("field", name), required ? el("span", { class: "required", "aria-hidden": "true" }, " *") : null);
  const control = makeControl(name, schema, { id, required, choices, describedBy: error.id });
  const element = el("div", { class: `field field-${control.kind}`, dataset: { field: name } }, control.kind === "boolean" ? [control.element, caption] : [caption, control.element], error);

  return {
    name,
    element,
    focus: () => control.focusable?.focus(),
    clearError() {
      error.textContent = "";
      control.focusable?.removeAttribute("aria-invalid");
    },
    showError(reason) {
      error.textContent = reason;
      control.focusable?.setAttribute("aria-invalid", "true");
    },
    read() {
      const read = control.read();
      if (read.blank) {
        if (required) return { error: t("form.required") };
        return { omit: true }; // the API's default applies
      }
      if (read.error) return { error: read.error };
      return { value: read.value };
    },
  };
}

function makeControl(name, schema, { id, required, choices, describedBy }) {
  const common = { id, name, "aria-describedby": describedBy, required: required || null };
  if (schema.type === "boolean") {
    const box = el("input", { ...common, type: "checkbox", checked: schema.default === true, required: null });
    return { kind: "boolean", element: box, focusable: box, read: () => ({ value: box.checked }) };
  }
  if (schema.type === "integer" || schema.type === "number") {
    const input = el("input", {
      ...common,
      type: "number",
      inputmode: "numeric",
      step: schema.type === "integer" ? 1 : "any",
      min: schema.minimum,
      max: schema.maximum,
      value: typeof schema.default === "number" ? schema.default : null,
    });
    return { kind: "number", element: input, focusable: input, read: () => readNumber(input.value, schema) };
  }
  if (schema.type === "object") return mapControl(name, schema, common);
  if (schema.type === "string" || schema.type === undefined) {
    const options = schema.enum ? schema.enum.map((value) => ({ value, text: label("value", value) })) : null;
    if (options || (choices && name === "deadline_id")) {
      const select = el(
        "select",
        common,
        required ? null : el("option", { value: "" }, "—"),
        (options ?? choices).map((option) => el("option", { value: option.value, selected: option.value === schema.default }, option.text)),
      );
      return { kind: "select", element: select, focusable: select, read: () => readText(select.value) };
    }
    const long = LONG_TEXT.has(name);
    const value = typeof schema.default === "string" ? schema.default : "";
    const input = long
      ? el("textarea", { ...common, rows: 3, maxlength: schema.maxLength }, value)
      : el("input", { ...common, type: "text", maxlength: schema.maxLength, value, list: choices ? `${id}-choices` : null, autocomplete: "off" });
    const list = choices && !long ? el("datalist", { id: `${id}-choices` }, choices.map((c) => el("option", { value: c.value }, c.text))) : null;
    return { kind: "text", element: list ? el("div", {}, input, list) : input, focusable: input, read: () => readText(input.value) };
  }
  // anything else (a list, a nested shape): written as JSON
  const area = el("textarea", { ...common, rows: 3, class: "json", placeholder: "JSON" });
  return { kind: "json", element: area, focusable: area, read: () => readJson(area.value) };
}

function readText(raw) {
  return raw.trim() === "" ? { blank: true } : { value: raw };
}

function readNumber(raw, schema) {
  if (raw.trim() === "") return { blank: true };
  const value = Number(raw);
  if (!Number.isFinite(value) || (schema.type === "integer" && !Number.isInteger(value))) return { error: t("form.whole_number") };
  if (schema.minimum !== undefined && value < schema.minimum) return { error: t("form.at_least", { min: schema.minimum }) };
  if (schema.maximum !== undefined && value > schema.maximum) return { error: t("form.at_most", { max: schema.maximum }) };
  return { value };
}

function readJson(raw) {
  if (raw.trim() === "") return { blank: true };
  try {
    return { value: JSON.parse(raw) };
  } catch {
    return { error: t("form.json") };
  }
}

// A mapping (post -> person, post -> amount): rows of a key and a value, added as needed.
function mapControl(name, schema, common) {
  const valueSchema = typeof schema.additionalProperties === "object" ? schema.additionalProperties : { type: "string" };
  const numeric = valueSchema.type === "integer" || valueSchema.type === "number";
  const rows = el("div", { class: "map-rows" });
  const addRow = () => {
    const row = el(
      "div",
      { class: "map-row" },
      el("input", { type: "text", class: "map-key", "aria-label": t("form.map_key", { field: label("field", name) }) }),
      el("input", { type: numeric ? "number" : "text", class: "map-value", "aria-label": t("form.map_value", { field: label("field", name) }) }),
    );
    rows.append(row);
    return row;
  };
  addRow();
  const add = el("button", { type: "button", class: "secondary small", onclick: () => addRow().querySelector("input").focus() }, t("form.add_row"));
  const wrapper = el("div", { id: common.id, class: "map", role: "group", "aria-describedby": common["aria-describedby"] }, rows, add);
  return {
    kind: "map",
    element: wrapper,
    focusable: rows.querySelector("input"),
    read() {
      const value = {};
      for (const row of rows.querySelectorAll(".map-row")) {
        const key = row.querySelector(".map-key").value.trim();
        const raw = row.querySelector(".map-value").value;
        if (!key && !raw.trim()) continue;
        if (!key) return { error: t("form.map_needs_key") };
        if (numeric) {
          const number = readNumber(raw, valueSchema);
          if (number.error || number.blank) return { error: number.error ?? t("form.required") };
          value[key] = number.value;
        } else value[key] = raw;
      }
      return Object.keys(value).length ? { value } : { blank: true };
    },
  };
}
