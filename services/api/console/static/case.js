// The case page: what the case is, its deadlines, handlers, incidents, restricted fields (as
// the API gives them to this reader), the timeline with each step's ledger seq, and the
// actions form built from GET /v1/complaints/{id}/actions.

import {
  ApiError,
  OnceSender,
  alertBox,
  api,
  boot,
  byId,
  dueBadge,
  el,
  fill,
  formatMoment,
  humanize,
  label,
  loadWorkingDays,
  state,
  t,
  toast,
} from "./console.js";
import { schemaForm } from "./schema_form.js";

const caseId = location.pathname.split("/").filter(Boolean).pop(); // /console/cases/{id}
const PEOPLE_FIELDS = new Set(["person", "to_person", "approved_by"]);
let complaint = null;
let actions = null; // null: not loaded; false: the API could not say
let people = [];
let chosen = null; // the action whose form is open
let form = null;
const sender = new OnceSender();

boot({
  async start() {
    const afterSeq = new URLSearchParams(location.search).get("after_seq");
    await Promise.all([loadCase(afterSeq), loadActions(), loadPeople()]);
    byId("action-select").addEventListener("change", (event) => {
      fill(byId("action-result"));
      openForm(event.target.value);
    });
    byId("action-form").addEventListener("submit", submit);
    document.addEventListener("console:notification", (event) => {
      if (event.detail.case_id === caseId) refresh(event.detail.seq);
    });
    document.addEventListener("console:language", () => {
      loadCase().catch(showLoadError);
      renderActions({ rebuild: true });
    });
  },
});

async function refresh(afterSeq) {
  try {
    await Promise.all([loadCase(afterSeq), loadActions()]);
  } catch (err) {
    showLoadError(err);
  }
}

function showLoadError(err) {
  toast(alertBox(err), { tone: "error" });
}

async function loadCase(afterSeq) {
  const query = new URLSearchParams({ lang: state.lang });
  if (afterSeq) query.set("after_seq", afterSeq);
  complaint = (await api("GET", `/v1/complaints/${caseId}?${query}`)).body;
  await loadWorkingDays(complaint.deadlines.filter((d) => d.state === "open").map((d) => d.due_at));
  renderCase();
}

async function loadActions() {
  try {
    actions = (await api("GET", `/v1/complaints/${caseId}/actions`)).body;
  } catch (err) {
    if (!(err instanceof ApiError) || err.status === 401) throw err;
    actions = false;
  }
  renderActions();
}

async function loadPeople() {
  try {
    people = (await api("GET", "/v1/tenant")).body.people ?? [];
  } catch {
    people = []; // only the suggestions in person fields are lost
  }
}

// --- the case ---------------------------------------------------------------------------

function renderCase() {
  document.title = `${complaint.summary} · ${t("app.name")}`;
  fill(
    byId("case-head"),
    el("h1", { id: "case-summary" }, complaint.summary || t("case.summary_withheld")),
    el(
      "p",
      { class: "badges" },
      el("span", { class: `status status-${complaint.status}` }, label("status", complaint.status)),
      el("span", { class: "badge" }, t("case.level", { level: complaint.level }), complaint.rung ? ` · ${label("rung", complaint.rung)}` : ""),
      complaint.category ? el("span", { class: "badge" }, label("category", complaint.category)) : null,
      el("span", { class: "badge" }, label("channel", complaint.channel)),
      complaint.flags.map((flag) => el("span", { class: "badge flag" }, label("flag", flag))),
    ),
    definitions([
      ["case.received", formatMoment(complaint.received_at)],
      ["case.filed_by", complaint.filed_by],
      ["case.owner", complaint.owner],
      ["case.site", complaint.site],
      ["case.group", complaint.group],
      ["case.policy", complaint.policy],
      ["case.version", String(complaint.version)],
    ]),
  );
  renderDetails();
  renderDeadlines();
  renderHandlers();
  renderIncidents();
  renderRestricted();
  renderTimeline();
}

function definitions(pairs) {
  const shown = pairs.filter(([, value]) => value !== null && value !== undefined && value !== "");
  return el("dl", { class: "facts" }, shown.map(([key, value]) => [el("dt", {}, t(key)), el("dd", {}, value)]));
}

function renderDetails() {
  const who = complaint.complainant ?? {};
  fill(
    byId("case-details"),
    el("h2", {}, t("case.details")),
    complaint.details ? el("p", { class: "details" }, complaint.details) : el("p", { class: "muted" }, t("case.no_details")),
    definitions([
      ["case.complainant", who.name],
      ["case.contact", who.contact],
    ]),
  );
}

function renderDeadlines() {
  const rows = complaint.deadlines;
  fill(
    byId("case-deadlines"),
    el("h2", {}, t("case.deadlines")),
    rows.length === 0
      ? el("p", { class: "muted" }, t("case.no_deadlines"))
      : el(
          "table",
          { class: "deadlines" },
          el("thead", {}, el("tr", {}, ["deadline.kind", "deadline.time_left", "deadline.due", "deadline.held_by", "deadline.rule"].map((k) => el("th", { scope: "col" }, t(k))))),
          el(
            "tbody",
            {},
            rows.map((d) =>
              el(
                "tr",
                { dataset: { deadline: d.deadline_id, state: d.state } },
                el("th", { scope: "row" }, label("deadline", d.kind)),
                el("td", {}, dueBadge(d.due_at, d.state)),
                el("td", {}, formatMoment(d.due_at)),
                el("td", {}, d.roles.map((role) => label("role", role)).join(", ")),
                el("td", {}, el("span", { class: "rule" }, d.rule)),
              ),
            ),
          ),
        ),
  );
}

function renderHandlers() {
  const handlers = Object.entries(complaint.handlers ?? {});
  fill(
    byId("case-handlers"),
    el("h2", {}, t("case.handlers")),
    el(
      "dl",
      { class: "facts" },
      el("dt", {}, t("case.owner")),
      el("dd", {}, complaint.owner),
      handlers.map(([slot, person]) => [el("dt", {}, label("slot", slot)), el("dd", {}, person)]),
    ),
  );
}

function renderIncidents() {
  const incidents = complaint.incidents ?? [];
  const section = byId("case-incidents");
  section.hidden = incidents.length === 0;
  fill(
    section,
    el("h2", {}, t("case.incidents")),
    el(
      "ul",
      { class: "incidents" },
      incidents.map((incident) =>
        el(
          "li",
          {},
          el("strong", {}, label("incident", incident.kind)),
          incident.at ? [" · ", formatMoment(incident.at)] : null,
          incident.police_called ? el("span", { class: "badge flag" }, t("case.police_called")) : null,
          incident.description ? el("p", {}, incident.description) : null,
        ),
      ),
    ),
  );
}

// Restricted fields appear only as the API returns them: a reader without the roles gets
// them emptied and named in `withheld`.
function renderRestricted() {
  const restricted = Object.entries(complaint.restricted ?? {}).filter(([, value]) => value !== "" && value !== null);
  const withheld = complaint.withheld ?? [];
  const section = byId("case-restricted");
  section.hidden = restricted.length === 0 && withheld.length === 0;
  fill(
    section,
    el("h2", {}, t("case.restricted")),
    restricted.length ? el("dl", { class: "facts restricted" }, restricted.map(([name, value]) => [el("dt", {}, label("field", name)), el("dd", {}, typeof value === "object" ? JSON.stringify(value) : String(value))])) : null,
    withheld.length ? el("p", { class: "muted" }, t("case.withheld", { fields: withheld.map((name) => label("field", name)).join(", ") })) : null,
  );
}

function renderTimeline() {
  fill(
    byId("case-timeline"),
    el("h2", {}, t("case.timeline")),
    el(
      "ol",
      { class: "timeline", id: "timeline" },
      complaint.timeline.map((step) =>
        el(
          "li",
          { dataset: { seq: step.seq, event: step.event } },
          el("span", { class: "seq", title: t("case.seq_title") }, `#${step.seq}`),
          el("time", { datetime: step.at }, formatMoment(step.at)),
          el("span", { class: "step" }, step.text),
        ),
      ),
    ),
  );
}

// --- actions ----------------------------------------------------------------------------

function renderActions({ rebuild = false } = {}) {
  const select = byId("action-select");
  const refusedList = byId("refused-actions");
  if (actions === false) {
    fill(byId("action-fields"), el("p", { class: "muted" }, t("actions.unavailable")));
    select.disabled = true;
    return;
  }
  if (!actions) return;
  const allowed = actions.actions.filter(offered);
  const refused = actions.actions.filter((a) => !offered(a));
  fill(
    select,
    el("option", { value: "" }, t("actions.choose")),
    allowed.map((a) => el("option", { value: a.action, selected: a.action === chosen?.action }, label("action", a.action))),
  );
  select.disabled = allowed.length === 0;
  const still = allowed.find((a) => a.action === chosen?.action);
  if (!still) openForm("");
  else if (rebuild) openForm(still.action);
  else chosen = still; // keeps what was typed: the same form, for the newer version
  fill(
    refusedList,
    refused.length ? el("h3", {}, t("actions.refused", { count: refused.length })) : null,
    el(
      "ul",
      {},
      refused.map((a) => {
        const why = refusal(a);
        return el(
          "li",
          { dataset: { action: a.action } },
          el("span", { class: "action-name" }, label("action", a.action)),
          " ",
          why.rule ? el("span", { class: "rule" }, why.rule) : null,
          " ",
          el("span", { class: "reason" }, why.reason ?? ""),
        );
      }),
    ),
  );
}

// An action on deadlines is offered while one of them allows it.
function offered(action) {
  return action.deadlines ? action.deadlines.some((d) => d.allowed) : action.allowed;
}

function refusal(action) {
  if (action.deadlines?.length === 0) return { rule: null, reason: t("actions.no_running_deadline") };
  const first = action.deadlines?.find((d) => !d.allowed);
  return first ? { rule: first.rule, reason: first.reason } : { rule: action.rule, reason: action.reason };
}

function openForm(action) {
  chosen = actions?.actions?.find((a) => a.action === action && offered(a)) ?? null;
  const fields = byId("action-fields");
  const button = byId("action-submit");
  if (!chosen) {
    form = null;
    fill(fields);
    button.hidden = true;
    return;
  }
  form = schemaForm(chosen.schema ?? {}, { prefix: `action-${chosen.action}`, choices: choices(chosen) });
  const needs = (chosen.needs ?? []).map((name) => label("field", name)).join(", ");
  fill(
    fields,
    form.empty ? el("p", { class: "muted" }, t("actions.no_fields")) : form.elements,
    needs ? el("p", { class: "muted needs" }, t("actions.needs", { fields: needs })) : null,
  );
  button.hidden = false;
  button.textContent = t("actions.send", { action: label("action", chosen.action) });
}

// Suggestions for the fields that name a person, and the deadlines this action may be sent
// for (the actions answer says, deadline by deadline).
function choices(action) {
  const persons = people.map((p) => ({ value: p.person_id, text: p.name }));
  const found = {};
  for (const name of PEOPLE_FIELDS) found[name] = persons;
  const allowed = action.deadlines ? new Set(action.deadlines.filter((d) => d.allowed).map((d) => d.deadline_id)) : null;
  found.deadline_id = complaint.deadlines
    .filter((d) => (allowed ? allowed.has(d.deadline_id) : d.state !== "met" && d.state !== "missed"))
    .map((d) => ({ value: d.deadline_id, text: `${label("deadline", d.kind)} (${d.rule}) · ${label("deadline_state", d.state)}` }));
  return found;
}

async function submit(event) {
  event.preventDefault();
  if (!chosen || !form) return;
  const result = byId("action-result");
  const { body, errors } = form.read();
  if (errors.length) {
    fill(result, el("p", { class: "alert", role: "alert" }, t("form.fix_fields")));
    return;
  }
  const button = byId("action-submit");
  button.disabled = true;
  fill(result, el("p", { class: "muted" }, t("actions.sending")));
  const done = chosen;
  try {
    // If-Match: the version this person saw, so a change made meanwhile is a 412, not a surprise
    const written = (await sender.send(done.method ?? "POST", done.path ?? `/v1/complaints/${caseId}/${done.action}`, body, { "If-Match": `"${complaint.version}"` })).body;
    chosen = null;
    fill(result, el("p", { class: "ok", role: "status" }, t("actions.done", { action: label("action", done.action), seq: written.seq })));
    await refresh(written.seq);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    const unplaced = err.status === 422 ? form.showErrors(err.problem.errors) : [];
    fill(result, alertBox(err), unplaced.map((e) => el("p", { class: "field-error" }, `${humanize(e.field)}: ${e.reason}`)));
    if (err.status === 412 || err.status === 409) await refresh();
  } finally {
    button.disabled = false;
  }
}
