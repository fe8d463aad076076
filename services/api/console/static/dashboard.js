// The dashboard of GET /v1/stats: cases per week and by status, category and level, SLA
// compliance per deadline kind, time to respond and to resolve, cases per unit, escalations,
// satisfaction and penalties; every figure counts only the cases the reader sees.

import { api, boot, byId, el, fill, formatDuration, label, loadUnits, state, t, unitName } from "./console.js";
import { barChart, stackedColumns } from "./charts.js";

const WEEKS = 12;
let stats = null;
let units = [];

boot({
  async start() {
    document.addEventListener("console:language", render);
    document.addEventListener("console:notification", () => load().catch(() => {}));
    await load();
  },
});

async function load() {
  [stats, units] = await Promise.all([api("GET", "/v1/stats").then((answer) => answer.body), loadUnits()]);
  render();
}

function totals(rows, key) {
  const sums = new Map();
  for (const row of rows) sums.set(row[key], (sums.get(row[key]) ?? 0) + Number(row.cases));
  return [...sums.entries()];
}

function weekLabel(day) {
  return new Intl.DateTimeFormat(state.lang, { month: "short", day: "numeric", timeZone: "UTC" }).format(new Date(`${day}T00:00:00Z`));
}

function percent(value) {
  return `${Math.round(value * 1000) / 10}%`;
}

function render() {
  const weeks = stats.per_week;
  const periods = [...new Set(weeks.map((row) => row.period))].sort().slice(-WEEKS);
  const categories = [...new Set(weeks.map((row) => row.category ?? ""))].sort();
  const counts = {};
  for (const row of weeks) {
    counts[row.period] ??= {};
    const category = row.category ?? "";
    counts[row.period][category] = (counts[row.period][category] ?? 0) + Number(row.cases);
  }
  const all = totals(weeks, "status");
  const total = all.reduce((sum, [, n]) => sum + n, 0);
  const open = all.find(([status]) => status === "open")?.[1] ?? 0;
  const sla = stats.sla.map((row) => ({ ...row, met: Number(row.met), missed: Number(row.missed), running: Number(row.running) }));
  const met = sla.reduce((sum, row) => sum + row.met, 0);
  const decided = sla.reduce((sum, row) => sum + row.met + row.missed, 0);
  const hours = (seconds) => Number(seconds ?? 0) * 1000;
  const times = [];
  for (const [name, figures] of [["first_response", stats.first_response], ["resolution", stats.resolution]]) {
    if (!Number(figures.cases)) continue;
    times.push({ label: t(`dashboard.${name}_p50`), value: hours(figures.p50_seconds), note: t("dashboard.cases", { count: figures.cases }) });
    times.push({ label: t(`dashboard.${name}_p90`), value: hours(figures.p90_seconds), note: t("dashboard.cases", { count: figures.cases }) });
  }

  fill(
    byId("dashboard-tiles"),
    tile("dashboard.total", String(total)),
    tile("dashboard.open", String(open)),
    tile("dashboard.sla_overall", decided ? percent(met / decided) : "—"),
    tile("dashboard.median_resolution", Number(stats.resolution.cases) ? formatDuration(hours(stats.resolution.p50_seconds)) : "—"),
  );
  fill(
    byId("dashboard-charts"),
    stackedColumns({
      title: t("dashboard.per_week"),
      periods,
      series: categories,
      counts,
      seriesLabel: (category) => (category ? label("category", category) : t("case.unclassified")),
      periodLabel: weekLabel,
    }),
    barChart({
      title: t("dashboard.sla"),
      rows: sla.map((row) => ({ label: label("deadline", row.kind), value: row.compliance === null ? null : Number(row.compliance), note: t("dashboard.sla_note", row) })),
      max: 1,
      format: percent,
      head: [t("deadline.kind"), t("dashboard.compliance")],
    }),
    barChart({ title: t("dashboard.times"), rows: times, format: formatDuration, head: [t("chart.item"), t("dashboard.duration")] }),
    barChart({ title: t("dashboard.by_status"), rows: all.map(([status, n]) => ({ label: label("status", status), value: n })) }),
    byCategory(weeks),
    byUnit(),
    barChart({ title: t("dashboard.by_level"), rows: totals(weeks, "level").sort((a, b) => a[0] - b[0]).map(([level, n]) => ({ label: t("case.level", { level }), value: n })) }),
    barChart({ title: t("dashboard.escalations"), rows: stats.escalations_per_rung.map((row) => ({ label: row.rung ? label("rung", row.rung) : t("case.level", { level: row.to_level }), value: Number(row.escalations) })) }),
    barChart({
      title: t("dashboard.satisfaction"),
      rows: stats.satisfaction.map((row) => ({ label: label("stage", row.stage), value: Number(row.average ?? 0), note: t("dashboard.responses", { count: row.responses }) })),
      format: (value) => value.toFixed(2),
      head: [t("dashboard.stage"), t("dashboard.average")],
    }),
    barChart({
      title: t("dashboard.penalties"),
      rows: stats.penalties.map((row) => ({ label: `${label("role", row.target_role)}${row.person ? ` · ${row.person}` : ""}`, value: Number(row.penalties), note: t("dashboard.fen", { yuan: (Number(row.amount_fen ?? 0) / 100).toFixed(2) }) })),
    }),
  );
}

// Every case received, by category, most first: the weeks' counts summed (they hold every
// case, however long ago), the unclassified ones as such.
function byCategory(weeks) {
  const rows = totals(weeks, "category").sort((a, b) => b[1] - a[1] || String(a[0] ?? "").localeCompare(String(b[0] ?? "")));
  return barChart({
    title: t("dashboard.by_category"),
    rows: rows.map(([category, n]) => ({ label: category ? label("category", category) : t("case.unclassified"), value: n })),
    head: [t("dashboard.category"), t("dashboard.total")],
  });
}

// Only where the tenant has units: elsewhere every case is the whole organisation's.
function byUnit() {
  const rows = stats.by_unit ?? [];
  if (!units.length && !rows.some((row) => row.unit)) return null;
  const compliance = (row) => (row.compliance === null ? "—" : percent(Number(row.compliance)));
  return barChart({
    title: t("dashboard.by_unit"),
    rows: rows.map((row) => ({ label: unitName(row.unit), value: Number(row.cases), note: t("dashboard.unit_note", { ...row, compliance: compliance(row) }) })),
    head: [t("dashboard.unit"), t("dashboard.total")],
  });
}

function tile(key, value) {
  return el("div", { class: "tile" }, el("p", { class: "tile-value" }, value), el("p", { class: "tile-label" }, t(key)));
}
