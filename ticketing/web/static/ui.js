/* Pieces every view shares: form fields with their errors, badges, the urgency meter, toasts. */

import { errorText } from "./api.js";
import { $, $$, clear, el, nextId } from "./dom.js";
import { fmtPercent, isTentative, label, sourceName } from "./format.js";
import { humanFieldMessage } from "./messages.js";
import { urgencyLevel, vocab } from "./vocab.js";

/* ---------- notices ---------- */

let toastTimer = null;
/** A short message in the top bar's live region (kind: "ok" | "error"), gone after 5 s. */
export function toast(message, kind) {
  const box = $("#toast");
  if (!box) return;
  clear(box);
  box.className = `toast toast-show${kind ? ` toast-${kind}` : ""}`;
  box.appendChild(el("span", null, message));
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    box.className = "toast";
    clear(box);
  }, 5000);
}

const CHANGED = "tickets:changed";
/** Tell views that summarise tickets (the dashboard) that something changed. */
export function ticketsChanged() {
  document.dispatchEvent(new CustomEvent(CHANGED));
}
/** fn() after each ticketsChanged(); returns the function that stops listening. */
export function onTicketsChanged(fn) {
  document.addEventListener(CHANGED, fn);
  return () => document.removeEventListener(CHANGED, fn);
}

/* ---------- forms ---------- */

/** A labelled field: <div class="field" data-field=name><label>, control, hint, error</div>. */
export function field(labelText, control, opts = {}) {
  if (!control.id) control.id = nextId("f");
  const hint = opts.hint ? el("span", { class: "hint", id: `${control.id}-hint` }, opts.hint) : null;
  const error = el("span", { class: "field-error", id: `${control.id}-error`, role: "alert" });
  control.setAttribute("aria-describedby", [hint && hint.id, error.id].filter(Boolean).join(" "));
  return el(
    "div",
    {
      class: `field${opts.className ? ` ${opts.className}` : ""}`,
      dataset: { field: opts.name || "", ...(opts.noun ? { noun: opts.noun } : {}) },
    },
    el("label", { for: control.id }, labelText),
    control,
    hint,
    error
  );
}

function messageText(messages) {
  if (typeof messages === "string") return messages;
  if (!Array.isArray(messages)) return JSON.stringify(messages);
  return messages.map((m) => (typeof m === "string" ? m : JSON.stringify(m))).join(" ");
}

function clearFieldError(box, control) {
  $(".field-error", box).textContent = "";
  control.removeAttribute("aria-invalid");
}

/**
 * Show the API's per-field messages under their fields, in plain words (messages.js) (aria-invalid, focus on the first);
 * clears the previous ones. Returns the messages that have no field in this form.
 */
/** A password form's submit: clears its messages; false, with the message under the second
 * field, when the new password and its repetition differ. */
export function newPasswordsMatch(form, errors, fresh, again) {
  showError(errors, "");
  setFieldErrors(form, {});
  if (fresh.value === again.value) return true;
  setFieldErrors(form, { confirm_password: ["The two new passwords differ."] });
  return false;
}

export function setFieldErrors(form, fields) {
  $$(".field-error", form).forEach((span) => {
    span.textContent = "";
  });
  $$("[aria-invalid]", form).forEach((c) => c.removeAttribute("aria-invalid"));
  const unplaced = [];
  for (const [name, messages] of Object.entries(fields || {})) {
    const box = form.querySelector(`.field[data-field="${CSS.escape(name)}"]`);
    if (box) {
      const control = box.querySelector("input, select, textarea");
      $(".field-error", box).textContent = humanFieldMessage(name, messages, control, box.dataset.noun);
      if (control) {
        control.setAttribute("aria-invalid", "true");
        // The message goes as soon as the person changes the field.
        control.addEventListener("input", () => clearFieldError(box, control), { once: true });
      }
    } else {
      unplaced.push(`${label(name)}: ${messageText(messages)}`);
    }
  }
  const first = form.querySelector("[aria-invalid]");
  if (first) first.focus();
  return unplaced;
}

/**
 * A refused form submission: field messages under their fields, the rest in box.
 * otherwise: the text when the error has no fields; placed: the text when every field
 * message found its field.
 */
export function showFormError(form, box, err, { otherwise, placed = "" } = {}) {
  const unplaced = setFieldErrors(form, err.fields);
  if (err.fields) showError(box, unplaced.length ? unplaced.join(" ") : placed);
  else showError(box, otherwise || errorText(err));
}

/** <select> of options: values (shown through label()) or [value, text] pairs. */
export function select(options, value, attrs) {
  const s = el("select", attrs);
  for (const o of options) {
    const [optionValue, text] = Array.isArray(o) ? o : [o, label(o)];
    s.appendChild(el("option", { value: optionValue }, text));
  }
  s.value = value === null || value === undefined ? "" : value;
  return s;
}

export function errorBox() {
  return el("div", { class: "error-box", role: "alert", hidden: true });
}

export function showError(box, message) {
  if (!box) return;
  box.textContent = message || "";
  box.hidden = !message;
}

/** A view's <h1>, focusable so a navigation can move focus to it. */
export function heading(text, attrs) {
  return el("h1", { tabindex: "-1", ...attrs }, text);
}

/* ---------- ticket fields ---------- */

export function badge(kind, value, text) {
  return el(
    "span",
    { class: `badge badge-${kind}${value ? ` ${kind}-${value}` : " badge-empty"}` },
    text !== undefined ? text : label(value)
  );
}

/** Who set a value, by name: "Claude", "Rules" (the local classifier), "Learned", "Manual".
 * tentative marks a triage value too unsure to be an answer (shown with a "?"). */
export function sourceMark(source, tentative = false) {
  if (!source) return null;
  const manual = source === vocab.manualSource;
  const name = sourceName(source);
  const title = manual
    ? "Set by a person"
    : `Set by triage: ${name}${tentative ? " (unsure: check it)" : ""}`;
  return el(
    "span",
    {
      class: `mark ${manual ? "mark-manual" : "mark-triage"}${tentative ? " mark-tentative" : ""}`,
      dataset: { source },
      title,
    },
    tentative ? `${name}?` : name
  );
}

/** A triage value's confidence ("52%"), tentative ones marked as such; none for a person's. */
export function confidenceText(confidence, source) {
  if (confidence === null || confidence === undefined || source === vocab.manualSource) return null;
  const tentative = isTentative(confidence);
  return el(
    "span",
    {
      class: `confidence${tentative ? " confidence-low" : ""}`,
      title: tentative ? "Low confidence: a guess to check" : "Triage confidence",
    },
    fmtPercent(confidence)
  );
}

export function categoryCell(t) {
  const tentative = t.category_source !== vocab.manualSource && isTentative(t.confidence);
  return el(
    "span",
    { class: `category-cell${tentative ? " tentative" : ""}` },
    badge("category", t.category, t.category ? label(t.category) : "Unclassified"),
    " ",
    sourceMark(t.category_source, tentative),
    confidenceText(t.confidence, t.category_source)
  );
}

/** A 0..100 bar coloured by the priority band the score falls in (the classifier's bands). */
export function urgencyMeter(score) {
  if (score === null || score === undefined) return el("span", { class: "muted" }, "—");
  const fill = el("span", { class: "urgency-fill" });
  fill.style.width = `${Math.max(0, Math.min(100, score))}%`; // CSSOM: allowed by the CSP
  return el(
    "span",
    { class: `urgency urgency-${urgencyLevel(score)}`, title: `Urgency ${score} / 100` },
    el("span", { class: "urgency-bar", "aria-hidden": "true" }, fill),
    el("span", { class: "urgency-num" }, String(score))
  );
}

export function tagList(tags) {
  return el(
    "ul",
    { class: "tags" },
    (tags || []).map((t) => el("li", { class: "tag" }, t))
  );
}

/**
 * A delete that asks twice without a dialog: the first click turns the button into
 * "Really delete?", the second says yes. Returns true on the second click.
 */
export function confirmedTwice(button) {
  if (button.dataset.armed === "1") return true;
  button.dataset.armed = "1";
  button.textContent = "Really delete?";
  return false;
}
