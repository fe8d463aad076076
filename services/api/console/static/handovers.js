// The shift handover board (H3): what the shift wrote about the open cases, newest first, and
// the open cases nobody has handed over this shift, each with a form to write one.

import { ApiError, OnceSender, alertBox, api, boot, byId, caseLink, el, fill, formatMoment, now, t, toast } from "./console.js";

const HOUR_MS = 3600000;
const AT_ONCE = 4; // histories read at a time: well inside a key's rate
let boards = new Map(); // case id -> {case_id, summary, version, handovers}
const senders = new Map();

boot({
  async start() {
    byId("handover-window").addEventListener("change", render);
    document.addEventListener("console:language", render);
    document.addEventListener("console:notification", (event) => {
      if (boards.has(event.detail.case_id)) reload(event.detail.case_id).catch(() => {});
    });
    await load();
  },
});

async function load() {
  const [inbox, open] = await Promise.all([api("GET", "/v1/inbox?limit=50"), api("GET", "/v1/complaints?status=open&limit=50")]);
  const cases = new Map();
  for (const item of [...inbox.body.items, ...open.body.items]) {
    if (!cases.has(item.case_id)) cases.set(item.case_id, { case_id: item.case_id, summary: item.summary, handovers: [], version: item.version ?? null });
  }
  boards = cases;
  const queue = [...cases.keys()];
  await Promise.all(Array.from({ length: AT_ONCE }, async () => {
    while (queue.length) await readHistory(queue.shift());
  }));
  render();
}

async function readHistory(caseId) {
  const history = (await api("GET", `/v1/complaints/${caseId}/history`)).body;
  const board = boards.get(caseId);
  board.version = history.at(-1)?.version ?? board.version;
  board.handovers = history
    .filter((step) => step.event === "HandoverAdded")
    .map((step) => ({ seq: step.seq, by: step.by, at: step.at ?? step.recorded_at, text: step.data.text ?? "" }))
    .reverse();
}

async function reload(caseId) {
  await readHistory(caseId);
  render();
}

function windowStart() {
  return now() - Number(byId("handover-window").value) * HOUR_MS;
}

function render() {
  const since = windowStart();
  const recent = [];
  const quiet = [];
  for (const board of boards.values()) {
    const fresh = board.handovers.filter((h) => new Date(h.at).getTime() >= since);
    (fresh.length ? recent : quiet).push({ board, fresh });
  }
  recent.sort((a, b) => new Date(b.fresh[0].at) - new Date(a.fresh[0].at));
  fill(byId("handovers-recent"), recent.length ? recent.map(({ board, fresh }) => card(board, fresh)) : el("li", { class: "empty" }, t("handovers.none")));
  fill(byId("handovers-quiet"), quiet.length ? quiet.map(({ board }) => card(board, [])) : el("li", { class: "empty" }, t("handovers.all_handed_over")));
}

function card(board, fresh) {
  const id = `handover-${board.case_id}`;
  return el(
    "li",
    { class: "card handover-card", dataset: { caseId: board.case_id } },
    el(
      "div",
      { class: "card-body" },
      el("h3", { class: "card-title" }, caseLink(board.case_id, board.summary || t("case.summary_withheld"))),
      fresh.length
        ? el("ol", { class: "handovers" }, fresh.map((h) => el("li", { dataset: { seq: h.seq } }, el("p", { class: "handover-text" }, h.text), el("p", { class: "meta" }, `${h.by ?? ""} · `, el("time", { datetime: h.at }, formatMoment(h.at)), ` · #${h.seq}`))))
        : null,
      el(
        "details",
        { class: "write-handover" },
        el("summary", {}, t("handovers.write")),
        el(
          "form",
          { onsubmit: (event) => write(event, board) },
          el("label", { for: id }, t("handovers.text")),
          el("textarea", { id, name: "text", rows: 3, required: true, maxlength: 10000 }),
          el("button", { type: "submit" }, t("handovers.submit")),
          el("div", { class: "handover-result", "aria-live": "polite" }),
        ),
      ),
    ),
  );
}

async function write(event, board) {
  event.preventDefault();
  const form = event.currentTarget;
  const text = form.elements.text.value.trim();
  if (!text) return;
  if (!senders.has(board.case_id)) senders.set(board.case_id, new OnceSender());
  const button = form.querySelector("button");
  button.disabled = true;
  try {
    const headers = board.version ? { "If-Match": `"${board.version}"` } : {};
    await senders.get(board.case_id).send("POST", `/v1/complaints/${board.case_id}/handovers`, { text }, headers);
    toast(t("handovers.written"), { tone: "ok" });
    await reload(board.case_id);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    fill(form.querySelector(".handover-result"), alertBox(err));
    if (err.status === 412) await readHistory(board.case_id); // the newer version, for the retry
  } finally {
    button.disabled = false;
  }
}
