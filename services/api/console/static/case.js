// The case page: what the case is and its tracking number, its deadlines, handlers,
// incidents, what became of each message to the complainant, restricted fields (as the API
// gives them to this reader), the timeline with each step's ledger seq, and the
// actions form built from GET /v1/complaints/{id}/actions; for auditors, who act on nothing,
// a slider over the case's recorded steps instead of the form.

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
  has,
  holds,
  humanize,
  label,
  loadUnits,
  loadWorkingDays,
  state,
  t,
  toast,
  unitName,
} from "./console.js";
import { AsOf, asOfBanner } from "./as_of.js";
import { schemaForm } from "./schema_form.js";

const caseId = location.pathname.split("/").filter(Boolean).pop(); // /console/cases/{id}
const PEOPLE_FIELDS = new Set(["person", "to_person", "approved_by"]);
let complaint = null;
let actions = null; // null: not loaded; false: the API could not say
let people = [];
let categories = [];
let units = []; // the tenant's, to name the case's unit
let chosen = null; // the action whose form is open
let form = null;
let asOf = null; // an auditor's slider over the recorded steps
const sender = new OnceSender();

boot({
  async start() {
    const afterSeq = new URLSearchParams(location.search).get("after_seq");
    if (holds("auditor")) {
      asOf = new AsOf(caseId, () => renderCase());
      byId("case-actions").hidden = true; // an auditor's every action is refused alike
      await Promise.all([loadCase(afterSeq), asOf.load()]);
      renderCase();
    } else {
      await Promise.all([loadCase(afterSeq), loadActions(), loadPeople(), loadCategories()]);
    }
    byId("action-select").addEventListener("change", (event) => {
      fill(byId("action-result"));
      openForm(event.target.value);
    });
    byId("action-form").addEventListener("submit", submit);
    byId("action-form").addEventListener("keydown", submitOnCtrlEnter);
    document.addEventListener("console:notification", (event) => {
      if (event.detail.case_id === caseId) refresh(event.detail.seq);
    });
    document.addEventListener("console:language", () => {
      loadCase().catch(showLoadError);
      if (asOf) asOf.render();
      else renderActions({ rebuild: true });
    });
  },
});

async function refresh(afterSeq) {
  try {
    await Promise.all([loadCase(afterSeq), asOf ? asOf.load() : loadActions()]);
    if (asOf) renderCase();
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
  [units] = await Promise.all([loadUnits(), loadWorkingDays(complaint.deadlines.filter((d) => d.state === "open").map((d) => d.due_at))]);
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

async function loadCategories() {
  try {
    categories = (await api("GET", "/console/categories")).body.categories;
  } catch {
    categories = []; // only the suggestions in the category field are lost
  }
}

async function loadPeople() {
  try {
    people = (await api("GET", "/v1/tenant")).body.people ?? [];
  } catch {
    people = []; // only the suggestions in person fields are lost
  }
}

// --- the case ---------------------------------------------------------------------------

// The case as it stands, or, on an auditor's slider, as a recorded step left it.
function renderCase(c = asOf ? asOf.view(complaint) : complaint) {
  document.title = `${c.summary} · ${t("app.name")}`;
  fill(
    byId("case-head"),
    el("h1", { id: "case-summary" }, c.summary || t("case.summary_withheld")),
    asOfBanner(asOf),
    el(
      "p",
      { class: "badges" },
      // what the complainant quotes when they call about the case
      c.tracking ? el("span", { class: "badge" }, t("case.tracking"), " ", el("span", { class: "tracking", id: "case-tracking" }, c.tracking)) : null,
      el("span", { class: `status status-${c.status}` }, label("status", c.status)),
      el("span", { class: "badge" }, t("case.level", { level: c.level }), c.rung ? ` · ${label("rung", c.rung)}` : ""),
      c.category ? el("span", { class: "badge" }, label("category", c.category)) : null,
      el("span", { class: "badge" }, label("channel", c.channel)),
      // where the case is handled, once the tenant has units: who is told and who sees it
      c.unit || units.length ? el("span", { class: "badge unit", id: "case-unit", title: t("case.unit"), dataset: { unit: c.unit ?? "" } }, unitName(c.unit)) : null,
      c.flags.map((flag) => el("span", { class: "badge flag" }, label("flag", flag))),
    ),
    definitions([
      ["case.received", formatMoment(c.received_at)],
      ["case.filed_by", c.filed_by],
      ["case.owner", c.owner],
      ["case.site", c.site],
      ["case.group", c.group],
      ["case.policy", c.policy],
      ["case.version", String(c.version)],
    ]),
  );
  renderDetails(c);
  renderDeadlines(c);
  renderHandlers(c);
  renderIncidents(c);
  renderDeliveries(c);
  renderRestricted(c);
  renderTimeline(c);
}

function definitions(pairs) {
  const shown = pairs.filter(([, value]) => value !== null && value !== undefined && value !== "");
  return el("dl", { class: "facts" }, shown.map(([key, value]) => [el("dt", {}, t(key)), el("dd", {}, value)]));
}

function renderDetails(c) {
  const who = c.complainant ?? {};
  fill(
    byId("case-details"),
    el("h2", {}, t("case.details")),
    c.details ? el("p", { class: "details" }, c.details) : el("p", { class: "muted" }, t("case.no_details")),
    definitions([
      ["case.complainant", who.name],
      ["case.contact", who.contact],
    ]),
  );
}

function renderDeadlines(c) {
  const rows = c.deadlines;
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
                // each cell names its column: on a phone the rows stand as cards, without the head
                el("td", { dataset: { label: t("deadline.time_left") } }, dueBadge(d.due_at, d.state)),
                el("td", { dataset: { label: t("deadline.due") } }, formatMoment(d.due_at)),
                el("td", { dataset: { label: t("deadline.held_by") } }, d.roles.map((role) => label("role", role)).join(", ")),
                el("td", { dataset: { label: t("deadline.rule") } }, el("span", { class: "rule" }, d.rule)),
              ),
            ),
          ),
        ),
  );
}

function renderHandlers(c) {
  const handlers = Object.entries(c.handlers ?? {});
  fill(
    byId("case-handlers"),
    el("h2", {}, t("case.handlers")),
    el(
      "dl",
      { class: "facts" },
      el("dt", {}, t("case.owner")),
      el("dd", {}, c.owner),
      handlers.map(([slot, person]) => [el("dt", {}, label("slot", slot)), el("dd", {}, person)]),
    ),
  );
}

function renderIncidents(c) {
  const incidents = c.incidents ?? [];
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

const DELIVERY_STEPS = { reply: "case.delivery_reply", closing: "case.delivery_closing", "follow-up": "case.delivery_follow_up" };
const DELIVERY_CHANNELS = { email: "channel.email", gateway: "case.delivery_gateway" };
const DELIVERY_STATES = { sent: "case.delivery_sent", retrying: "case.delivery_retrying", failed: "case.delivery_failed" };

function word(keys, value) {
  return keys[value] ? t(keys[value]) : humanize(value);
}

// Whether each message to the complainant (a written reply, the closing feedback, the
// follow-up survey) went out: sent, still being retried, or given up, attempt by attempt.
function renderDeliveries(c) {
  const rows = c.deliveries ?? [];
  const section = byId("case-deliveries");
  section.hidden = rows.length === 0;
  fill(
    section,
    el("h2", {}, t("case.deliveries")),
    el(
      "table",
      { class: "deliveries", id: "deliveries" },
      el("thead", {}, el("tr", {}, ["case.delivery_message", "case.delivery_state", "case.delivery_attempts", "case.delivery_detail"].map((k) => el("th", { scope: "col" }, t(k))))),
      el(
        "tbody",
        {},
        rows.map((d) =>
          el(
            "tr",
            { dataset: { delivery: d.delivery, state: d.state } },
            el("th", { scope: "row" }, word(DELIVERY_STEPS, d.step), el("span", { class: "muted" }, ` · ${word(DELIVERY_CHANNELS, d.channel)}`)),
            el("td", { dataset: { label: t("case.delivery_state") } }, el("span", { class: `delivery-state delivery-${d.state}` }, word(DELIVERY_STATES, d.state))),
            el("td", { dataset: { label: t("case.delivery_attempts") } }, String(d.attempts)),
            el("td", { dataset: { label: t("case.delivery_detail") } }, deliveryDetail(d)),
          ),
        ),
      ),
    ),
  );
}

function deliveryDetail(d) {
  if (d.state === "sent") return d.attempts > 1 ? t("case.delivery_sent_after", { attempts: d.attempts }) : "";
  const next = d.state === "retrying" && d.retry_at ? t("case.delivery_next_try", { at: formatMoment(d.retry_at) }) : null;
  return [d.error ? el("span", { class: "delivery-error" }, d.error) : null, d.error && next ? " · " : null, next];
}

// Restricted fields appear only as the API returns them: a reader without the roles gets
// them emptied and named in `withheld`.
function renderRestricted(c) {
  const restricted = Object.entries(c.restricted ?? {}).filter(([, value]) => value !== "" && value !== null);
  const withheld = c.withheld ?? [];
  const section = byId("case-restricted");
  section.hidden = restricted.length === 0 && withheld.length === 0;
  fill(
    section,
    el("h2", {}, t("case.restricted")),
    restricted.length ? el("dl", { class: "facts restricted" }, restricted.map(([name, value]) => [el("dt", {}, label("field", name)), el("dd", {}, typeof value === "object" ? JSON.stringify(value) : String(value))])) : null,
    withheld.length ? el("p", { class: "muted" }, t("case.withheld", { fields: withheld.map((name) => label("field", name)).join(", ") })) : null,
  );
}

function renderTimeline(c) {
  fill(
    byId("case-timeline"),
    el("h2", {}, t("case.timeline")),
    el(
      "ol",
      { class: "timeline", id: "timeline" },
      c.timeline.map((step) =>
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
          el("span", { class: "reason", title: why.reason ?? "" }, inWords(why)),
        );
      }),
    ),
  );
}

// An action on deadlines is offered while one of them allows it.
function offered(action) {
  return action.deadlines ? action.deadlines.some((d) => d.allowed) : action.allowed;
}

// In Chinese, a refusal reads as the procedure wrote its rule; the policy's English
// explanation stays in the tooltip. In English, the explanation itself.
function inWords(why) {
  const key = `rule.${why.rule}`;
  return why.rule && state.lang !== "en" && has(key) ? t(key) : (why.reason ?? "");
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
  found.category = categories.map((category) => ({ value: category, text: label("category", category) }));
  const allowed = action.deadlines ? new Set(action.deadlines.filter((d) => d.allowed).map((d) => d.deadline_id)) : null;
  found.deadline_id = complaint.deadlines
    .filter((d) => (allowed ? allowed.has(d.deadline_id) : d.state !== "met" && d.state !== "missed"))
    .map((d) => ({ value: d.deadline_id, text: `${label("deadline", d.kind)} (${d.rule}) · ${label("deadline_state", d.state)}` }));
  return found;
}

// Enter sends from a line; in a text area, where Enter is a new line, Ctrl+Enter sends.
function submitOnCtrlEnter(event) {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.tagName === "TEXTAREA") {
    event.preventDefault();
    event.currentTarget.requestSubmit();
  }
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
    byId("action-select").focus(); // the sent form is gone: the next action is chosen here
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    const unplaced = err.status === 422 ? form.showErrors(err.problem.errors) : [];
    fill(result, alertBox(err), unplaced.map((e) => el("p", { class: "field-error" }, `${humanize(e.field)}: ${e.reason}`)));
    if (err.status === 412 || err.status === 409) await refresh();
  } finally {
    button.disabled = false;
  }
}
