// The console's core: the message catalogue, the API client (session cookie and CSRF token),
// the header, live notifications from /v1/stream, and dates and time left in the tenant's zone.

const MESSAGES = JSON.parse(document.getElementById("console-messages").textContent);
const LANGUAGES = ["zh-CN", "en"];
const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);
const DAY_MS = 86400000;
const YEAR_COOKIE = "path=/console; SameSite=Lax; max-age=31536000";

export const state = {
  lang: document.documentElement.lang,
  session: null,
  csrf: null,
  skewMs: 0, // the server's clock minus ours, from each answer's Date header
  workingDays: null, // Set of "YYYY-MM-DD" the tenant works, from today on
  workingDaysTo: null,
};

// --- words ------------------------------------------------------------------------------

export function t(key, params = {}) {
  const text = MESSAGES[state.lang]?.[key] ?? MESSAGES.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

export function has(key) {
  return key in (MESSAGES[state.lang] ?? {}) || key in MESSAGES.en;
}

// A policy's word (a role, an action, a field) in the catalogue, or the word made readable.
export function label(kind, id) {
  const key = `${kind}.${id}`;
  return has(key) ? t(key) : humanize(id);
}

export function humanize(id) {
  const words = String(id ?? "").replace(/[_-]+/g, " ").trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

function chosenLanguage() {
  const match = document.cookie.match(/(?:^|;\s*)console_lang=([^;]+)/);
  return match && LANGUAGES.includes(match[1]) ? match[1] : null;
}

export function setLanguage(lang, { chosen = false } = {}) {
  if (!LANGUAGES.includes(lang)) return;
  if (chosen) document.cookie = `console_lang=${lang}; ${YEAR_COOKIE}`;
  if (lang === state.lang) return;
  state.lang = lang;
  document.documentElement.lang = lang;
  applyLanguage();
  document.dispatchEvent(new CustomEvent("console:language", { detail: lang }));
}

// Static text carries its key: data-i18n for the text, data-i18n-<attribute> for attributes.
export function applyLanguage(root = document) {
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const attribute of ["placeholder", "aria-label", "title"]) {
    const data = `data-i18n-${attribute}`;
    for (const node of root.querySelectorAll(`[${data}]`)) {
      node.setAttribute(attribute, t(node.getAttribute(data)));
    }
  }
  const toggle = document.getElementById("language-switch");
  if (toggle) {
    const other = state.lang === "zh-CN" ? "en" : "zh-CN";
    toggle.textContent = t(`language.${other}`);
    toggle.setAttribute("lang", other);
    toggle.dataset.switchTo = other;
  }
}

// --- the page's elements ----------------------------------------------------------------

// An element with attributes and children; text is always text, never parsed as HTML.
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "dataset") Object.assign(node.dataset, value);
    else if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export function svgEl(tag, attributes = {}, ...children) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== null && value !== undefined) node.setAttribute(name, String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

export function byId(id) {
  return document.getElementById(id);
}

export function fill(container, ...children) {
  container.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined));
}

export function caseLink(caseId, text) {
  return el("a", { href: `/console/cases/${caseId}` }, text);
}

// --- units (GET /v1/units): a department, branch or campus, in the order of the tree -------

let units = null;

// The tenant's units, read once a page; none when it has none (or they cannot be read).
export async function loadUnits() {
  if (units === null) {
    try {
      units = (await api("GET", "/v1/units")).body.items;
    } catch {
      units = []; // the pages then show unit ids as they are
    }
  }
  return units;
}

export function unitName(unitId) {
  if (unitId === null || unitId === undefined) return t("case.unit_root");
  const unit = (units ?? []).find((u) => u.unit_id === unitId);
  if (!unit) return unitId;
  return unit.retired ? t("case.unit_retired", { name: unit.name }) : unit.name;
}

// An option per unit, indented under its parent; retired units only where asked for.
export function unitOptions(picked, { retired = false } = {}) {
  return (units ?? [])
    .filter((unit) => retired || !unit.retired)
    .map((unit) => el("option", { value: unit.unit_id, selected: unit.unit_id === picked }, `${"\u00a0\u00a0".repeat(unit.path.length - 1)}${unitName(unit.unit_id)}`));
}

// Whether a case of ``unitId`` lies in ``ancestor`` or below it.
export function inUnit(unitId, ancestor) {
  const unit = (units ?? []).find((u) => u.unit_id === unitId);
  return unitId === ancestor || Boolean(unit?.path.includes(ancestor));
}

// A refusal's detail without the rule it starts with: the rule is shown beside it.
function refusalDetail(problem) {
  const detail = problem.detail ?? "";
  return detail.startsWith(`${problem.rule}: `) ? detail.slice(problem.rule.length + 2) : detail;
}

// A problem document in words: its title and detail, with the rule that refused if any.
export function problemText(error) {
  const problem = error.problem ?? {};
  if (error.status === 403 && problem.rule) {
    return t("problem.refused", { rule: problem.rule, detail: refusalDetail(problem) });
  }
  if (error.status === 0) return t("problem.network");
  if (error.status === 412) return t("problem.stale");
  if (error.status === 429) return t("problem.busy");
  if (error.status === 503) return t("problem.unavailable");
  const parts = [problem.title, problem.detail].filter(Boolean);
  return parts.length ? parts.join(": ") : t("problem.unknown", { status: error.status });
}

export function alertBox(error) {
  const problem = error.problem ?? {};
  return el(
    "div",
    { class: error.status === 403 && problem.rule ? "alert refused" : "alert", role: "alert" },
    error.status === 403 && problem.rule
      ? [el("strong", {}, t("problem.refused_title")), " ", el("span", { class: "rule" }, problem.rule), " ", refusalDetail(problem)]
      : problemText(error),
  );
}

export function toast(content, { tone = "info", timeout = 8000 } = {}) {
  const box = el("div", { class: `toast toast-${tone}`, role: "status" }, content);
  byId("toasts").append(box);
  if (timeout) setTimeout(() => box.remove(), timeout);
  return box;
}

// --- the API ----------------------------------------------------------------------------

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem ?? {};
  }
}

// The language the person chose, so the API's problem documents come back in it rather
// than in whatever the browser's own Accept-Language prefers.
export function languageHeaders() {
  return { "Accept-Language": state.lang };
}

// Every call rides on the session cookie; a write also sends the session's CSRF token.
export async function api(method, path, { body, headers = {}, signInOn401 = true } = {}) {
  const sent = { Accept: "application/json", ...languageHeaders(), ...headers };
  if (UNSAFE.has(method) && state.csrf) sent["X-CSRF-Token"] = state.csrf;
  if (body !== undefined) sent["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method,
      headers: sent,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch (err) {
    throw new ApiError(0, { detail: String(err) });
  }
  noteServerTime(response);
  const text = response.status === 204 ? "" : await response.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = { detail: text };
  }
  if (!response.ok) {
    if (response.status === 401 && signInOn401) goToSignIn();
    throw new ApiError(response.status, parsed);
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

function noteServerTime(response) {
  const date = Date.parse(response.headers.get("Date") ?? "");
  if (Number.isNaN(date)) return;
  const skew = date - Date.now();
  // the header counts whole seconds: only a clock that is really off is corrected
  state.skewMs = Math.abs(skew) > 5000 ? skew : 0;
}

export function now() {
  return Date.now() + state.skewMs;
}

// A fresh Idempotency-Key; crypto.randomUUID needs a secure context, getRandomValues does not.
export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// A write sent once: the same body retried keeps its Idempotency-Key, so a lost answer never
// files twice; a changed body, or one the API answered, gets a fresh key.
export class OnceSender {
  constructor() {
    this.pending = null;
  }

  async send(method, path, body, headers = {}) {
    const fingerprint = JSON.stringify([method, path, body]);
    if (this.pending?.fingerprint !== fingerprint) this.pending = { fingerprint, key: newKey() };
    try {
      const answer = await api(method, path, { body, headers: { ...headers, "Idempotency-Key": this.pending.key } });
      this.pending = null;
      return answer;
    } catch (err) {
      if (!retriable(err)) this.pending = null;
      throw err;
    }
  }
}

function retriable(error) {
  return error.status === 0 || error.status === 429 || error.status >= 500;
}

export function goToSignIn() {
  const next = location.pathname + location.search;
  location.assign(`/console/sign-in?next=${encodeURIComponent(next)}`);
}

// --- dates and time left, in the tenant's zone ------------------------------------------

function zone() {
  return state.session?.tenant?.timezone ?? Intl.DateTimeFormat().resolvedOptions().timeZone;
}

export function formatMoment(iso) {
  if (!iso) return "";
  return new Intl.DateTimeFormat(state.lang, { timeZone: zone(), dateStyle: "medium", timeStyle: "short" }).format(new Date(iso));
}

export function localDate(moment) {
  return new Intl.DateTimeFormat("en-CA", { timeZone: zone(), year: "numeric", month: "2-digit", day: "2-digit" }).format(moment);
}

// A date (and time) on the tenant's clock as RFC 3339 with the zone's offset on that day.
export function localToInstant(day, time = "00:00") {
  const probe = new Date(`${day}T${time}:00Z`);
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", { timeZone: zone(), hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit" })
      .formatToParts(probe)
      .map((part) => [part.type, part.value]),
  );
  const offset = Math.round((Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute) - probe.getTime()) / 60000);
  const sign = offset < 0 ? "-" : "+";
  const hours = String(Math.floor(Math.abs(offset) / 60)).padStart(2, "0");
  const minutes = String(Math.abs(offset) % 60).padStart(2, "0");
  return `${day}T${time}:00${sign}${hours}:${minutes}`;
}

export function formatDuration(ms) {
  const minutes = Math.max(1, Math.floor(Math.abs(ms) / 60000)); // never more time than there is
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  if (days) return t(hours ? "time.days_hours" : "time.days", { days, hours });
  if (hours) return t(rest ? "time.hours_minutes" : "time.hours", { hours, minutes: rest });
  return t("time.minutes", { minutes: rest });
}

// The days the tenant works between today and the latest due date asked for.
export async function loadWorkingDays(dueDates) {
  const today = localDate(now());
  const latest = dueDates.filter(Boolean).map((iso) => localDate(new Date(iso))).sort().pop();
  if (!latest || latest <= today) return;
  const limit = localDate(now() + 400 * DAY_MS);
  const to = latest < limit ? latest : limit;
  if (state.workingDays && state.workingDaysTo >= to) return;
  try {
    const answer = await api("GET", `/console/working-days?from=${today}&to=${to}`);
    state.workingDays = new Set(answer.body.working_days);
    state.workingDaysTo = to;
  } catch {
    state.workingDays = null; // the time left is then told in hours and days
  }
}

function workingDaysLeft(dueIso) {
  if (!state.workingDays) return null;
  const today = localDate(now());
  const due = localDate(new Date(dueIso));
  if (due > state.workingDaysTo) return null;
  let count = 0;
  for (const day of state.workingDays) if (day > today && day <= due) count += 1;
  return count;
}

// How long a deadline has left: overdue and due today stand out; further off, working days.
export function timeLeft(dueIso, deadlineState = "open") {
  if (deadlineState === "met") return { text: t("deadline.met"), tone: "done" };
  if (deadlineState === "paused") return { text: t("deadline.paused"), tone: "paused" };
  if (!dueIso) return { text: t("deadline.none"), tone: "none" };
  const left = new Date(dueIso).getTime() - now();
  if (deadlineState === "missed" || left < 0) {
    return { text: t("deadline.overdue_by", { duration: formatDuration(left) }), tone: "overdue" };
  }
  if (left < DAY_MS) return { text: t("deadline.left", { duration: formatDuration(left) }), tone: "soon" };
  const working = workingDaysLeft(dueIso);
  if (working === null) return { text: t("deadline.left", { duration: formatDuration(left) }), tone: "ok" };
  return { text: t("deadline.working_days_left", { days: working }), tone: working <= 1 ? "soon" : "ok" };
}

export function dueBadge(dueIso, deadlineState) {
  const left = timeLeft(dueIso, deadlineState);
  return el(
    "span",
    { class: `due due-${left.tone}`, title: dueIso ? t("deadline.due_at", { at: formatMoment(dueIso) }) : null },
    left.text,
  );
}

// --- the header: who is signed in, the language, live notifications, sign-out ----------

function wireHeader() {
  byId("language-switch")?.addEventListener("click", (event) => {
    setLanguage(event.currentTarget.dataset.switchTo, { chosen: true });
  });
  byId("sign-out")?.addEventListener("click", signOut);
  const here = document.documentElement.dataset.page;
  for (const link of document.querySelectorAll("nav.main a")) {
    if (link.dataset.page === here) link.setAttribute("aria-current", "page");
  }
}

async function signOut() {
  try {
    await api("DELETE", "/v1/session", { signInOn401: false });
  } catch (err) {
    if (err.status !== 401) {
      toast(problemText(err), { tone: "error" });
      return;
    }
  }
  location.assign("/console/sign-in?signed_out=1");
}

export function holds(role) {
  return state.session?.person?.roles?.includes(role) ?? false;
}

// What only some roles use (the auditor's page) is shown to those who hold them.
function showForRoles() {
  for (const node of document.querySelectorAll("[data-for-role]")) node.hidden = !holds(node.dataset.forRole);
}

function showWho(session) {
  const who = byId("who");
  if (!who) return;
  const roles = session.person.roles.map((role) => label("role", role)).join(", ");
  fill(who, el("span", { class: "tenant" }, session.tenant.name), " · ", el("span", { class: "person" }, session.person.name), el("span", { class: "roles" }, ` (${roles})`));
  for (const node of document.querySelectorAll(".signed-in")) node.hidden = false;
}

// --- live notifications -----------------------------------------------------------------

const seen = [];
let source = null;

function startLive() {
  // EventSource sends the session cookie on this origin and, reconnecting by itself,
  // Last-Event-ID, so nothing published while it was away is lost.
  source = new EventSource("/v1/stream");
  source.addEventListener("open", () => setLive(true));
  // Each notification is an event named by its kind; a "duplicate" (a copy for another of
  // the caller's roles) only moves Last-Event-ID on.
  const kinds = (document.documentElement.dataset.liveKinds || "").split(",").filter(Boolean);
  for (const kind of kinds) {
    source.addEventListener(kind, (message) => {
      let event;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      arrived(event);
    });
  }
  source.addEventListener("error", () => {
    setLive(false);
    if (source.readyState === EventSource.CLOSED) {
      // refused outright (too many streams, signed out): try again later, not in a loop
      setTimeout(startLive, 10000);
    }
  });
}

window.addEventListener("pagehide", () => source?.close());

function setLive(on) {
  const indicator = byId("live");
  if (!indicator) return;
  indicator.dataset.state = on ? "on" : "off";
  indicator.dataset.i18n = on ? "live.on" : "live.off";
  indicator.textContent = t(indicator.dataset.i18n);
  document.body.dataset.live = on ? "on" : "off";
}

export function notificationText(data) {
  const what = data.reason ? `${label("event", data.event)}: ${data.reason}` : label("event", data.event);
  const summary = data.summary || t("case.summary_withheld");
  return data.rule ? t("live.event_rule", { what, summary, rule: data.rule }) : t("live.event", { what, summary });
}

function arrived(cloudEvent) {
  const data = cloudEvent.data ?? {};
  if (!data.case_id) return;
  seen.unshift(data);
  seen.splice(30);
  const count = byId("notification-count");
  if (count) {
    count.textContent = String(Number(count.textContent || 0) + 1);
    count.hidden = false;
  }
  const list = byId("notification-list");
  if (list) {
    byId("notification-empty")?.remove();
    list.prepend(el("li", { class: "notification" }, caseLink(data.case_id, notificationText(data)), " ", el("time", { datetime: data.at }, formatMoment(data.at))));
  }
  toast([el("strong", {}, t("live.new")), " ", caseLink(data.case_id, notificationText(data))], { tone: data.event === "IncidentReported" ? "urgent" : "info" });
  document.dispatchEvent(new CustomEvent("console:notification", { detail: data }));
}

// --- start a page -----------------------------------------------------------------------

// A page module calls boot once: signed in (or sent to sign in), then its own start.
export async function boot({ start, open = false }) {
  applyLanguage();
  wireHeader();
  if (open) {
    await start();
    return;
  }
  let session;
  try {
    session = (await api("GET", "/v1/session", { signInOn401: false })).body;
  } catch (err) {
    if (err.status === 401) goToSignIn();
    else fill(byId("main"), alertBox(err));
    return;
  }
  state.session = session;
  state.csrf = session.csrf_token;
  document.cookie = `console_tenant_lang=${session.tenant.language}; ${YEAR_COOKIE}`;
  setLanguage(chosenLanguage() ?? session.tenant.language);
  showWho(session);
  showForRoles();
  document.addEventListener("console:language", () => showWho(session));
  startLive();
  try {
    await start();
  } catch (err) {
    if (err instanceof ApiError) fill(byId("main"), alertBox(err));
    else throw err;
  }
  document.body.dataset.ready = "yes";
}
