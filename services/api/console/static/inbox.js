// My inbox: the open cases waiting on my roles, most urgent first (the API's order), with each
// deadline's time left; a filter over them, and new notifications pulled in as they arrive.

import { api, boot, byId, caseLink, dueBadge, el, fill, formatMoment, inUnit, label, loadUnits, loadWorkingDays, now, problemText, t, toast, unitName, unitOptions } from "./console.js";

let items = [];
let roles = [];
let units = [];

boot({
  async start() {
    for (const id of ["inbox-search", "inbox-role", "inbox-unit", "inbox-overdue"]) byId(id).addEventListener("input", render);
    byId("inbox-filters").addEventListener("submit", (event) => event.preventDefault());
    units = await loadUnits();
    await load();
    document.addEventListener("console:notification", (event) => load(event.detail.seq).catch((err) => toast(problemText(err), { tone: "error" })));
    document.addEventListener("console:language", render);
    setInterval(render, 60000); // time left moves on
  },
});

async function load(afterSeq) {
  const answer = await api("GET", afterSeq ? `/v1/inbox?after_seq=${afterSeq}` : "/v1/inbox");
  items = answer.body.items;
  roles = answer.body.roles;
  await loadWorkingDays(items.map((item) => item.due_at));
  render();
}

function shown() {
  const text = byId("inbox-search").value.trim().toLowerCase();
  const role = byId("inbox-role").value;
  const unit = byId("inbox-unit").value;
  const overdueOnly = byId("inbox-overdue").checked;
  return items.filter((item) => {
    if (role && !item.roles.includes(role)) return false;
    if (unit && !inUnit(item.unit, unit)) return false;
    if (overdueOnly && !(item.due_at && new Date(item.due_at).getTime() < now())) return false;
    if (!text) return true;
    return [item.summary, item.category, item.reasons, item.rung].some((v) => String(v ?? "").toLowerCase().includes(text));
  });
}

function render() {
  const roleSelect = byId("inbox-role");
  const picked = roleSelect.value;
  fill(roleSelect, el("option", { value: "" }, t("inbox.all_roles")), roles.map((role) => el("option", { value: role, selected: role === picked }, label("role", role))));
  const unitSelect = byId("inbox-unit");
  byId("inbox-unit-filter").hidden = units.length === 0;
  fill(unitSelect, el("option", { value: "" }, t("inbox.all_units")), unitOptions(unitSelect.value, { retired: true }));
  const visible = shown();
  byId("inbox-count").textContent = t("inbox.count", { shown: visible.length, total: items.length });
  fill(byId("inbox-list"), visible.length ? visible.map(card) : el("li", { class: "empty" }, t(items.length ? "inbox.none_match" : "inbox.empty")));
}

function card(item) {
  return el(
    "li",
    { class: "card", dataset: { caseId: item.case_id } },
    el("div", { class: "card-due" }, dueBadge(item.due_at)),
    el(
      "div",
      { class: "card-body" },
      el("h3", { class: "card-title" }, caseLink(item.case_id, item.summary || t("case.summary_withheld"))),
      el(
        "p",
        { class: "meta" },
        [
          item.category ? label("category", item.category) : t("case.unclassified"),
          t("case.level", { level: item.level }) + (item.rung ? ` · ${label("rung", item.rung)}` : ""),
          item.unit ? unitName(item.unit) : null,
        ]
          .filter(Boolean)
          .join(" · "),
      ),
      item.reasons ? el("p", { class: "reasons" }, item.reasons) : null,
      el("p", { class: "meta" }, t("inbox.waiting", { roles: item.roles.map((r) => label("role", r)).join(", "), since: formatMoment(item.since) })),
    ),
  );
}
