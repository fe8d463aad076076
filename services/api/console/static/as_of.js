// For auditors, on the case page: the case as it stood after each of its recorded steps, from
// GET /v1/complaints/{id}/replay, chosen with a slider over the steps' times.

import { api, byId, el, fill, formatMoment, label, t } from "./console.js";

export class AsOf {
  constructor(caseId, onMove) {
    this.caseId = caseId;
    this.onMove = onMove;
    this.steps = [];
    this.index = -1; // the last step is the case as it stands now
  }

  async load() {
    const atEnd = this.index === this.steps.length - 1;
    this.steps = (await api("GET", `/v1/complaints/${this.caseId}/replay`)).body;
    this.index = atEnd ? this.steps.length - 1 : Math.min(this.index, this.steps.length - 1);
    this.render();
  }

  // The step chosen, or null when the slider is at now.
  current() {
    return this.index >= 0 && this.index < this.steps.length - 1 ? this.steps[this.index] : null;
  }

  // The case as the chosen step left it, with the timeline up to that step.
  view(complaint) {
    const step = this.current();
    if (!step) return complaint;
    return { ...step.state, timeline: complaint.timeline.filter((item) => item.version <= step.version) };
  }

  move(index) {
    this.index = index;
    this.describe();
    this.onMove();
  }

  render() {
    const section = byId("case-as-of");
    section.hidden = false;
    const slider = el("input", {
      type: "range",
      id: "as-of-slider",
      min: 0,
      max: Math.max(0, this.steps.length - 1),
      step: 1,
      value: this.index,
      "aria-describedby": "as-of-step",
      oninput: (event) => this.move(Number(event.target.value)),
    });
    fill(
      section,
      el("h2", { id: "as-of-title" }, t("audit.as_of_title")),
      el("p", { class: "muted" }, t("audit.as_of_intro")),
      el("label", { for: "as-of-slider" }, t("audit.as_of_slider")),
      slider,
      el("p", { id: "as-of-step", "aria-live": "polite" }),
      el("button", { type: "button", id: "as-of-now", class: "secondary", onclick: () => this.backToNow() }, t("audit.back_to_now")),
      el("p", { class: "muted" }, t("audit.read_only")),
    );
    this.describe();
  }

  backToNow() {
    byId("as-of-slider").value = String(this.steps.length - 1);
    this.move(this.steps.length - 1);
  }

  describe() {
    const step = this.steps[this.index];
    const slider = byId("as-of-slider");
    if (!step || !slider) return;
    const text = t("audit.as_of_step", {
      n: this.index + 1,
      count: this.steps.length,
      seq: step.seq,
      event: label("event", step.event),
      at: formatMoment(step.recorded_at),
    });
    slider.setAttribute("aria-valuetext", text);
    byId("as-of-step").textContent = text;
    byId("as-of-now").disabled = this.current() === null;
  }
}

// The line in the case's head saying which moment is shown.
export function asOfBanner(asOf) {
  const step = asOf?.current();
  if (!step) return null;
  return el("p", { class: "as-of-banner", id: "as-of-banner", role: "status" }, t("audit.as_of_banner", { at: formatMoment(step.recorded_at), seq: step.seq }));
}
