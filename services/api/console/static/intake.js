// Intake: a new complaint as the desk takes it; filed once however often it is retried.

import { ApiError, OnceSender, alertBox, api, boot, byId, el, fill, label, localToInstant, t } from "./console.js";

const sender = new OnceSender();
let categories = [];

boot({
  async start() {
    byId("intake-form").addEventListener("submit", file);
    document.addEventListener("console:language", suggestCategories);
    await loadCategories();
  },
});

// The procedure's categories as suggestions: a person picks one rather than guess its id.
async function loadCategories() {
  try {
    categories = (await api("GET", "/console/categories")).body.categories;
  } catch {
    categories = []; // the field still takes what is typed
  }
  suggestCategories();
}

function suggestCategories() {
  fill(byId("intake-category-choices"), categories.map((category) => el("option", { value: category }, label("category", category))));
}

function body(form) {
  const value = (name) => form.elements[name].value.trim();
  const filed = {
    summary: value("summary"),
    channel: value("channel"),
    complainant: { name: value("complainant_name"), contact: value("complainant_contact") },
    details: value("details"),
    public_figure: form.elements.public_figure.checked,
  };
  for (const name of ["site", "category"]) if (value(name)) filed[name] = value(name);
  if (value("received_day")) filed.received_at = localToInstant(value("received_day"), value("received_time") || "00:00");
  return filed;
}

async function file(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const result = byId("intake-result");
  for (const node of form.querySelectorAll(".field-error")) node.textContent = "";
  if (!form.reportValidity()) return;
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  fill(result, el("p", { class: "muted" }, t("intake.filing")));
  try {
    const written = (await sender.send("POST", "/v1/complaints", body(form))).body;
    location.assign(`/console/cases/${written.id}?after_seq=${written.seq}`);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    fill(result, alertBox(err));
    for (const problem of err.problem.errors ?? []) {
      const name = String(problem.field).replace(/^complainant\./, "complainant_").split(".").pop();
      const slot = byId(`intake-${name}-error`);
      if (slot) slot.textContent = problem.reason;
    }
    button.disabled = false;
  }
}
