/* /submit — the public "Submit a request" page: a customer sends a request without an account
 * (POST /api/intake) and gets its reference. */

import { api, errorText, notAvailable } from "../api.js";
import { clear, el } from "../dom.js";
import { helpSuggestions } from "./submit-help.js";
import { errorBox, field, heading, setFieldErrors, showError, showFormError } from "../ui.js";

function inputs() {
  return {
    subject: el("input", { type: "text", name: "subject", maxlength: "200", required: true }),
    body: el("textarea", { name: "body", rows: "8", required: true }),
    email: el("input", { type: "email", name: "email", autocomplete: "email", required: true }),
    name: el("input", { type: "text", name: "name", autocomplete: "name" }),
  };
}

function payloadOf(f) {
  const payload = { subject: f.subject.value.trim(), body: f.body.value, email: f.email.value.trim() };
  if (f.name.value.trim()) payload.name = f.name.value.trim();
  return payload;
}

/** "#123" from the intake answer's reference (given as 123 or "#123"). */
function referenceOf(data) {
  return data && data.reference != null ? `#${String(data.reference).replace(/^#/, "")}` : "";
}

export function submitView(main) {
  const f = inputs();
  const errors = errorBox();
  const button = el("button", { type: "submit", class: "btn btn-primary" }, "Send request");
  const help = helpSuggestions(f.subject, f.body);
  // As wide as the form it replaces (the page does not jump).
  const done = el("div", { class: "card success narrow", role: "status", hidden: true, id: "submit-done" });
  done.setAttribute("tabindex", "-1");
  const form = el(
    "form",
    { class: "card form narrow", novalidate: true },
    field("Your email", f.email, { name: "email", noun: "your e-mail address" }),
    field("Your name (optional)", f.name, { name: "name", noun: "your name" }),
    field("Subject", f.subject, { name: "subject", noun: "a subject: a few words about it" }),
    field("How can we help?", f.body, { name: "body", noun: "what happened" }),
    help.node,
    errors,
    el("div", { class: "form-actions" }, button)
  );
  main.appendChild(
    el(
      "section",
      { class: "view view-submit" },
      heading("Submit a request"),
      el("p", { class: "muted center" }, "Tell us what happened; we will answer by email."),
      form,
      done
    )
  );

  function another() {
    form.reset();
    setFieldErrors(form, {});
    form.hidden = false;
    done.hidden = true;
    button.disabled = false;
    f.subject.focus();
  }

  function thanks(data) {
    help.submitted();
    form.hidden = true;
    clear(done).append(
      el("h2", null, "Thank you — we got your request."),
      el(
        "p",
        null,
        "Your reference is ",
        el("strong", { class: "reference" }, referenceOf(data)),
        ". Keep it for any follow-up."
      ),
      data.status_url
        ? el(
            "p",
            null,
            "Follow your request (and answer us) here: ",
            el("a", { class: "status-link", href: data.status_url }, "your request's page")
          )
        : null,
      el("button", { type: "button", class: "btn", onclick: another }, "Send another request")
    );
    done.hidden = false;
    done.focus();
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    showError(errors, "");
    button.disabled = true;
    try {
      thanks(await api("POST", "/api/intake", payloadOf(f), { allow401: true }));
    } catch (err) {
      button.disabled = false;
      const otherwise = notAvailable(err)
        ? "Requests cannot be submitted here yet. Please email support."
        : errorText(err);
      showFormError(form, errors, err, { otherwise });
    }
  });
}
