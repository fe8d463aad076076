// Every case of the tenant, newest first, with the list's filters (status, category, level,
// unit and below, role, assignee, overdue, received between, text); the filters stay in the
// address.

import { api, boot, byId, caseLink, dueBadge, el, fill, formatMoment, label, loadUnits, loadWorkingDays, localToInstant, t, unitName, unitOptions } from "./console.js";

const FILTERS = ["q", "status", "category", "level", "unit", "role", "assignee", "overdue", "received_from", "received_to"];
let rows = [];
let nextCursor = null;

boot({
  async start() {
    const form = byId("case-filters");
    const wanted = new URLSearchParams(location.search);
    offerUnits(await loadUnits(), wanted.get("unit"));
    for (const name of FILTERS) if (wanted.has(name)) form.elements[name].value = wanted.get(name);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      search().catch(shown);
    });
    form.addEventListener("reset", () => setTimeout(() => search().catch(shown)));
    byId("cases-more").addEventListener("click", () => search(nextCursor).catch(shown));
    document.addEventListener("console:language", render);
    await search();
  },
});

// Retired units too: their cases stay, and somebody looks for them.
function offerUnits(units, picked) {
  byId("case-filter-unit").hidden = units.length === 0;
  fill(byId("case-filters").elements.unit, el("option", { value: "", dataset: { i18n: "cases.any" } }, t("cases.any")), unitOptions(picked, { retired: true }));
}

function shown(err) {
  fill(byId("cases-error"), el("p", { class: "alert", role: "alert" }, err.message));
}

function query(cursor) {
  const form = byId("case-filters");
  const params = new URLSearchParams();
  for (const name of FILTERS) {
    const value = form.elements[name].value.trim();
    if (value) params.set(name, value);
  }
  history.replaceState(null, "", params.size ? `?${params}` : location.pathname);
  // the dates are the tenant's days: from its midnight, to the midnight after the last one
  if (params.has("received_from")) params.set("received_from", localToInstant(params.get("received_from")));
  if (params.has("received_to")) {
    const end = new Date(`${params.get("received_to")}T12:00:00Z`);
    end.setUTCDate(end.getUTCDate() + 1);
    params.set("received_to", localToInstant(end.toISOString().slice(0, 10)));
  }
  if (cursor) params.set("cursor", cursor);
  return params;
}

async function search(cursor) {
  fill(byId("cases-error"));
  const answer = (await api("GET", `/v1/complaints?${query(cursor)}`)).body;
  rows = cursor ? [...rows, ...answer.items] : answer.items;
  nextCursor = answer.next_cursor;
  await loadWorkingDays(rows.map((row) => row.next_due_at));
  render();
}

function render() {
  byId("cases-more").hidden = !nextCursor;
  byId("cases-count").textContent = t("cases.count", { count: rows.length });
  fill(
    byId("cases-rows"),
    rows.length
      ? rows.map((row) =>
          el(
            "tr",
            { dataset: { caseId: row.case_id } },
            el("td", {}, row.status === "open" ? dueBadge(row.next_due_at) : ""),
            el("th", { scope: "row" }, caseLink(row.case_id, row.summary || t("case.summary_withheld")), row.unit ? el("span", { class: "muted unit", dataset: { unit: row.unit } }, ` · ${unitName(row.unit)}`) : null),
            el("td", {}, el("span", { class: `status status-${row.status}` }, label("status", row.status))),
            el("td", {}, row.category ? label("category", row.category) : t("case.unclassified")),
            el("td", {}, String(row.level), row.rung ? ` · ${label("rung", row.rung)}` : ""),
            el("td", {}, row.owner),
            el("td", {}, formatMoment(row.received_at)),
          ),
        )
      : el("tr", {}, el("td", { colspan: 7, class: "empty" }, t("cases.none"))),
  );
}
