/* #/tickets/new — the new-ticket form with the live triage suggestion beside it. API validation
 * errors appear under their fields; after creation the list opens with the new row marked. */

import { api } from "../api.js";
import { el } from "../dom.js";
import { splitList } from "../format.js";
import { navigate } from "../router.js";
import {
  errorBox,
  field,
  heading,
  select,
  showError,
  showFormError,
  ticketsChanged,
  toast,
} from "../ui.js";
import { vocab } from "../vocab.js";
import { suggestionPanel } from "./suggestion.js";
import { CREATED_KEY } from "./tickets.js";

const LET_TRIAGE_DECIDE = ["", "Let triage decide"];

function inputs() {
  return {
    subject: el("input", {
      type: "text",
      name: "subject",
      maxlength: "200",
      required: true,
      autocomplete: "off",
    }),
    body: el("textarea", { name: "body", rows: "8", required: true }),
    email: el("input", { type: "email", name: "requester_email", autocomplete: "email" }),
    name: el("input", { type: "text", name: "requester_name", autocomplete: "name" }),
    tags: el("input", { type: "text", name: "tags", autocomplete: "off" }),
    category: select([LET_TRIAGE_DECIDE, ...vocab.categories], "", { name: "category" }),
    priority: select([LET_TRIAGE_DECIDE, ...vocab.priorities], "", { name: "priority" }),
  };
}

function formFields(f) {
  const pair = (...fields) => el("div", { class: "grid-2" }, fields);
  return [
    field("Subject", f.subject, { name: "subject" }),
    field("Description", f.body, {
      name: "body",
      hint: "Triage suggests a category and priority as you type.",
    }),
    pair(
      field("Requester email", f.email, { name: "requester_email" }),
      field("Requester name", f.name, { name: "requester_name" })
    ),
    field("Tags", f.tags, { name: "tags", hint: "Comma-separated, e.g. refund, vip" }),
    pair(
      field("Category", f.category, { name: "category" }),
      field("Priority", f.priority, { name: "priority" })
    ),
  ];
}

/** The POST /api/tickets body: what was filled in, nothing empty. */
function payloadOf(f) {
  const payload = { subject: f.subject.value.trim(), body: f.body.value };
  const email = f.email.value.trim();
  const name = f.name.value.trim();
  const tags = splitList(f.tags.value);
  if (email) payload.requester_email = email;
  if (name) payload.requester_name = name;
  if (tags.length) payload.tags = tags;
  if (f.category.value) payload.category = f.category.value;
  if (f.priority.value) payload.priority = f.priority.value;
  return payload;
}

export function newTicketView(main) {
  const f = inputs();
  const errors = errorBox();
  const submit = el("button", { type: "submit", class: "btn btn-primary" }, "Create ticket");
  const cancel = el("a", { href: "#/tickets", class: "btn btn-ghost" }, "Cancel");
  const form = el(
    "form",
    { class: "card form", novalidate: true, onsubmit: onSubmit },
    formFields(f),
    errors,
    el("div", { class: "form-actions" }, submit, cancel)
  );
  const suggestion = suggestionPanel({
    subject: f.subject,
    category: f.category,
    priority: f.priority,
  });
  f.body.addEventListener("input", () => suggestion.ask(f.body.value));
  const split = el("div", { class: "split" }, form, suggestion.node);
  main.appendChild(el("section", { class: "view view-new" }, heading("New ticket"), split));
  // Beside the form on a wide screen; on a narrow one right under the description it reads.
  const narrow = window.matchMedia("(max-width: 1000px)");
  function place() {
    if (narrow.matches) f.body.closest(".field").after(suggestion.node);
    else split.appendChild(suggestion.node);
  }
  place();
  narrow.addEventListener("change", place);

  function busy(yes) {
    submit.disabled = yes;
    submit.textContent = yes ? "Creating…" : "Create ticket";
  }

  async function onSubmit(e) {
    e.preventDefault();
    showError(errors, "");
    busy(true);
    try {
      const ticket = await api("POST", "/api/tickets", payloadOf(f));
      ticketsChanged();
      sessionStorage.setItem(CREATED_KEY, String(ticket.id));
      toast(`Ticket #${ticket.id} created.`, "ok");
      navigate("/tickets", new URLSearchParams());
    } catch (err) {
      busy(false);
      showFormError(form, errors, err, { placed: "Please correct the highlighted fields." });
    }
  }

  return {
    destroy: () => {
      narrow.removeEventListener("change", place);
      suggestion.cancel();
    },
  };
}
