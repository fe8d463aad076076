// For auditors: the ledger's check (GET /v1/audit/verify, held to the signed checkpoints) in
// words, and the ledger's export (GET /v1/audit/ledger) saved as a file.

import { ApiError, alertBox, api, boot, byId, el, fill, formatMoment, goToSignIn, holds, languageHeaders, localDate, now, state, t } from "./console.js";

const CHECKPOINTS_A_PAGE = 1000; // the API's largest page
let verified = null; // {report, checkpoints, at}: kept to be told again in another language

boot({
  async start() {
    if (!holds("auditor")) {
      fill(byId("audit-refused"), el("p", { class: "alert", role: "alert" }, t("audit.only_auditors")));
      for (const button of document.querySelectorAll("#verify, #export")) button.disabled = true;
      return;
    }
    byId("verify").addEventListener("click", verify);
    byId("export-form").addEventListener("submit", exportLedger);
    document.addEventListener("console:language", () => verified && renderVerified());
  },
});

// --- verify -----------------------------------------------------------------------------

async function verify() {
  const button = byId("verify");
  button.disabled = true;
  fill(byId("verify-result"), el("p", { class: "muted" }, t("audit.verifying")));
  try {
    const report = (await api("GET", "/v1/audit/verify")).body;
    verified = { report, checkpoints: await allCheckpoints(), at: new Date(now()).toISOString() };
    renderVerified();
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    fill(byId("verify-result"), alertBox(err));
  } finally {
    button.disabled = false;
  }
}

async function allCheckpoints() {
  const found = [];
  for (;;) {
    const after = found.length ? found[found.length - 1].seq : 0;
    const page = (await api("GET", `/v1/audit/checkpoints?after_seq=${after}&limit=${CHECKPOINTS_A_PAGE}`)).body;
    found.push(...page);
    if (page.length < CHECKPOINTS_A_PAGE) return found;
  }
}

function renderVerified() {
  const { report, checkpoints, at } = verified;
  const latest = checkpoints[checkpoints.length - 1];
  // the first checkpoint signed over the bad row: the ledger is no longer what it vouched for
  const contradicted = report.ok ? null : checkpoints.find((checkpoint) => checkpoint.seq >= report.bad_seq);
  fill(
    byId("verify-result"),
    el(
      "div",
      { class: report.ok ? "ok" : "alert", role: report.ok ? "status" : "alert", id: "verify-verdict", dataset: { ok: String(report.ok) } },
      report.ok
        ? el("p", {}, t("audit.intact", { head: report.head_seq }))
        : [
            el("p", {}, el("strong", {}, t("audit.broken", { seq: report.bad_seq })), " ", el("span", { class: "reason" }, report.reason ?? "")),
            report.head_seq > 0 ? el("p", {}, t("audit.intact_up_to", { head: report.head_seq })) : null,
            contradicted ? el("p", { id: "verify-contradiction" }, t("audit.contradicts", { seq: contradicted.seq, at: formatMoment(contradicted.signed_at) })) : null,
          ],
    ),
    el(
      "dl",
      { class: "facts" },
      el("dt", {}, t("audit.head_seq")),
      el("dd", { id: "verify-head-seq" }, String(report.head_seq)),
      el("dt", {}, t("audit.bad_seq")),
      el("dd", { id: "verify-bad-seq" }, report.bad_seq === null ? t("audit.none") : String(report.bad_seq)),
      el("dt", {}, t("audit.head_hash")),
      el("dd", {}, el("code", { class: "hash" }, report.head_hash ?? "—")),
      el("dt", {}, t("audit.checkpoints_title")),
      el(
        "dd",
        { id: "verify-checkpoints" },
        latest
          ? t("audit.checkpoints", { count: checkpoints.length, seq: latest.seq, at: formatMoment(latest.signed_at), key: latest.key_id })
          : t("audit.no_checkpoints"),
      ),
    ),
    el("p", { class: "muted" }, t("audit.checked_at", { at: formatMoment(at) })),
  );
}

// --- export -----------------------------------------------------------------------------

async function exportLedger(event) {
  event.preventDefault();
  const afterSeq = byId("export-after-seq").value.trim();
  const button = byId("export");
  const result = byId("export-result");
  button.disabled = true;
  fill(result, el("p", { class: "muted" }, t("audit.exporting")));
  try {
    const text = await fetchLedger(afterSeq);
    const rows = text.split("\n").filter(Boolean).length;
    const file = `ledger-${state.session.tenant.slug}-${afterSeq ? `after-${afterSeq}` : localDate(now())}.ndjson`;
    save(file, new Blob([text], { type: "application/x-ndjson" }));
    fill(result, el("p", { class: "ok", role: "status" }, t("audit.exported", { file, rows })));
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    fill(result, alertBox(err));
  } finally {
    button.disabled = false;
  }
}

// The NDJSON is no JSON document, so not api(): the same cookie, read as text.
async function fetchLedger(afterSeq) {
  const query = afterSeq ? `?after_seq=${encodeURIComponent(afterSeq)}` : "";
  let response;
  try {
    response = await fetch(`/v1/audit/ledger${query}`, { headers: { Accept: "application/x-ndjson", ...languageHeaders() }, credentials: "same-origin" });
  } catch (err) {
    throw new ApiError(0, { detail: String(err) });
  }
  if (response.ok) return response.text();
  if (response.status === 401) goToSignIn();
  let problem = {};
  try {
    problem = await response.json();
  } catch {
    // a body that is no problem document: the status says enough
  }
  throw new ApiError(response.status, problem);
}

function save(file, blob) {
  const url = URL.createObjectURL(blob);
  const link = el("a", { href: url, download: file, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000); // after the browser has taken the file
}
