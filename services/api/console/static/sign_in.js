// Sign in: an API key becomes a session cookie; the key itself is never kept in the browser.

import { alertBox, api, boot, byId, el, fill, t } from "./console.js";

const params = new URLSearchParams(location.search);

// only a page of the console, so the link cannot send a person elsewhere; an auditor, who
// has no inbox, starts at the audit page
function next(roles = []) {
  const wanted = params.get("next") ?? "";
  if (wanted.startsWith("/console/") && !wanted.startsWith("/console/sign-in")) return wanted;
  return roles.includes("auditor") ? "/console/audit" : "/console/inbox";
}

boot({
  open: true,
  async start() {
    if (params.has("signed_out")) fill(byId("sign-in-message"), el("p", { class: "ok", role: "status", "data-i18n": "sign_in.signed_out" }, t("sign_in.signed_out")));
    const form = byId("sign-in-form");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const input = byId("api-key");
      const key = input.value.trim();
      const error = byId("sign-in-error");
      if (!key) {
        fill(error, el("p", { class: "alert", role: "alert" }, t("sign_in.key_missing")));
        input.focus();
        return;
      }
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        const session = (await api("POST", "/v1/session", { body: { key }, signInOn401: false })).body;
        input.value = "";
        location.assign(next(session.person.roles));
      } catch (err) {
        fill(error, err.status === 401 ? el("p", { class: "alert", role: "alert" }, t("sign_in.unknown_key")) : alertBox(err));
        input.select();
      } finally {
        button.disabled = false;
      }
    });
    try {
      const session = (await api("GET", "/v1/session", { signInOn401: false })).body;
      if (!params.has("signed_out")) location.replace(next(session.person.roles)); // already signed in
    } catch {
      // not signed in: the form is what this page is for
    }
  },
});
