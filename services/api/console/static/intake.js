// Intake: a new complaint as the desk takes it; filed once however often it is retried.
// Once filed, the page tells the case's tracking number and the complainant's secret status
// link, which the API gives only in this one answer, so staff can hand both over.

import { ApiError, OnceSender, alertBox, api, boot, byId, el, fill, label, loadUnits, localToInstant, state, t, toast, unitOptions } from "./console.js";

const sender = new OnceSender();
let categories = [];

boot({
  async start() {
    byId("intake-form").addEventListener("submit", file);
    byId("intake-another").addEventListener("click", fileAnother);
    byId("intake-link-copy").addEventListener("click", copyLink);
    byId("intake-link").addEventListener("focus", (event) => event.currentTarget.select());
    document.addEventListener("console:language", suggestCategories);
    document.addEventListener("console:language", () => offerUnits());
    const [mine] = await Promise.all([ownUnit(), loadCategories(), loadUnits()]);
    offerUnits(mine);
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

// The tenant's live units, when it has any: the case goes where it is about (docs/units.md).
function offerUnits(picked = byId("intake-unit").value) {
  const select = byId("intake-unit");
  const options = unitOptions(picked);
  byId("intake-unit-field").hidden = options.length === 0;
  fill(select, el("option", { value: "", dataset: { i18n: "intake.unit_none" } }, t("intake.unit_none")), options);
}

// The one unit a person works in, when they hold no role for the whole tenant: where they
// file, since the root is not theirs to file in.
async function ownUnit() {
  try {
    const people = (await api("GET", "/v1/tenant")).body.people ?? [];
    const me = people.find((person) => person.person_id === state.session?.person?.id);
    const placed = Object.keys(me?.units ?? {});
    return me && me.roles.length === 0 && placed.length === 1 ? placed[0] : null;
  } catch {
    return null; // the person picks the unit
  }
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
  for (const name of ["site", "category", "unit"]) if (value(name)) filed[name] = value(name);
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
    fill(result);
    showFiled(written);
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

// The filing's answer: its tracking number, and the link where the API still has it (a
// retry of the same filing answers ``link`` null, since only the link's hash is kept).
function showFiled(written) {
  const form = byId("intake-form");
  form.hidden = true;
  byId("intake-tracking").textContent = written.tracking ?? "—";
  const link = written.link ?? null;
  byId("intake-link-block").hidden = link === null;
  byId("intake-link").value = link ?? "";
  byId("intake-link-gone").hidden = link !== null;
  byId("intake-open-case").href = `/console/cases/${written.id}?after_seq=${written.seq}`;
  byId("intake-filed").hidden = false;
  byId("intake-filed-title").focus();
}

// The next complaint starts from an empty form; the last one's link is gone from the page.
function fileAnother() {
  const form = byId("intake-form");
  form.reset();
  byId("intake-link").value = "";
  byId("intake-filed").hidden = true;
  form.hidden = false;
  form.querySelector("button[type=submit]").disabled = false;
  byId("intake-summary").focus();
}

async function copyLink() {
  const input = byId("intake-link");
  input.select();
  try {
    await navigator.clipboard.writeText(input.value);
    toast(t("intake.link_copied"), { tone: "ok", timeout: 3000 });
  } catch {
    // no clipboard here (an insecure origin, a refused permission): the text stays selected
  }
}
