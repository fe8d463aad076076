// Charts drawn as inline SVG, each with the same numbers as a table for screen readers.

import { el, svgEl, t } from "./console.js";

const WIDTH = 640;
const LABEL_WIDTH = 170;
const ROW = 30;
const PALETTE = 8; // .series-0 … .series-7 in console.css

function table(caption, head, rows) {
  return el(
    "table",
    { class: "chart-data" },
    el("caption", {}, caption),
    el("thead", {}, el("tr", {}, head.map((h) => el("th", { scope: "col" }, h)))),
    el("tbody", {}, rows.map((cells) => el("tr", {}, cells.map((c, i) => (i === 0 ? el("th", { scope: "row" }, c) : el("td", {}, c)))))),
  );
}

function figure(title, svg, data, empty) {
  const id = `chart-${Math.random().toString(36).slice(2, 9)}`;
  if (empty) return el("figure", { class: "chart" }, el("figcaption", { id }, title), el("p", { class: "muted" }, t("chart.no_data")));
  svg.setAttribute("aria-labelledby", id);
  return el("figure", { class: "chart" }, el("figcaption", { id }, title), svg, el("details", { class: "chart-table" }, el("summary", {}, t("chart.as_table")), data));
}

// One bar a row: rows [{label, value, note}], value from 0 to max (the largest if not given).
export function barChart({ title, rows, max, format = String, head = [t("chart.item"), t("chart.value")] }) {
  const top = max ?? Math.max(1, ...rows.map((r) => r.value ?? 0));
  const shown = (value) => (value === null || value === undefined ? "—" : format(value));
  const span = WIDTH - LABEL_WIDTH - 70;
  const height = rows.length * ROW + 8;
  const svg = svgEl(
    "svg",
    { viewBox: `0 0 ${WIDTH} ${height}`, role: "img", class: "bars", preserveAspectRatio: "xMinYMin meet" },
    rows.map((row, i) => {
      const y = i * ROW + 4;
      const width = Math.max(row.value > 0 ? 2 : 0, ((row.value ?? 0) / top) * span);
      return svgEl(
        "g",
        { class: `series-${i % PALETTE}` },
        svgEl("title", {}, `${row.label}: ${shown(row.value)}${row.note ? ` (${row.note})` : ""}`),
        svgEl("text", { x: LABEL_WIDTH - 8, y: y + ROW / 2, "text-anchor": "end", "dominant-baseline": "middle", class: "axis-label" }, clip(row.label)),
        svgEl("rect", { x: LABEL_WIDTH, y: y + 4, width, height: ROW - 10, rx: 3, class: "bar" }),
        svgEl("text", { x: LABEL_WIDTH + width + 6, y: y + ROW / 2, "dominant-baseline": "middle", class: "value-label" }, shown(row.value)),
      );
    }),
  );
  const data = table(title, head, rows.map((r) => [r.label, shown(r.value) + (r.note ? ` (${r.note})` : "")]));
  return figure(title, svg, data, rows.length === 0);
}

// Columns per period, stacked by series: counts {period: {series: n}}.
export function stackedColumns({ title, periods, series, counts, seriesLabel = String, periodLabel = String }) {
  const height = 220;
  const base = height - 28;
  const totals = periods.map((p) => series.reduce((sum, s) => sum + (counts[p]?.[s] ?? 0), 0));
  const top = Math.max(1, ...totals);
  const slot = (WIDTH - 40) / Math.max(1, periods.length);
  const barWidth = Math.min(48, slot * 0.7);
  const columns = periods.map((period, i) => {
    let y = base;
    const x = 30 + i * slot + (slot - barWidth) / 2;
    const parts = series.map((s, j) => {
      const n = counts[period]?.[s] ?? 0;
      const h = (n / top) * (base - 16);
      y -= h;
      return n
        ? svgEl("rect", { x, y, width: barWidth, height: h, class: `bar series-${j % PALETTE}` }, svgEl("title", {}, `${periodLabel(period)} · ${seriesLabel(s)}: ${n}`))
        : null;
    });
    return svgEl(
      "g",
      {},
      parts,
      svgEl("text", { x: x + barWidth / 2, y: y - 4, "text-anchor": "middle", class: "value-label" }, String(totals[i])),
      svgEl("text", { x: x + barWidth / 2, y: height - 10, "text-anchor": "middle", class: "axis-label" }, periodLabel(period)),
    );
  });
  const svg = svgEl("svg", { viewBox: `0 0 ${WIDTH} ${height}`, role: "img", class: "columns" }, svgEl("line", { x1: 24, x2: WIDTH - 8, y1: base, y2: base, class: "axis" }), columns);
  const legend = el("ul", { class: "legend" }, series.map((s, j) => el("li", {}, el("span", { class: `swatch series-${j % PALETTE}`, "aria-hidden": "true" }), seriesLabel(s))));
  const data = table(title, [t("chart.period"), ...series.map(seriesLabel)], periods.map((p) => [periodLabel(p), ...series.map((s) => String(counts[p]?.[s] ?? 0))]));
  const drawn = figure(title, svg, data, periods.length === 0);
  if (periods.length) drawn.insertBefore(legend, drawn.querySelector("details"));
  return drawn;
}

function clip(text) {
  const words = String(text);
  return words.length > 22 ? `${words.slice(0, 21)}…` : words;
}
