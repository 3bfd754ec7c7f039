/* The ticket detail's side card: status, category and priority save on change, tags on Enter,
 * the note on its button, optimistically (rolled back with the server's message when refused);
 * "Classify" starts a triage job and follows it until done or failed. */

import { api, errorText, notAvailable, session } from "../api.js";
import { clear, el, wait } from "../dom.js";
import { keepDraft } from "../drafts.js";
import { fieldMessages, label, splitList } from "../format.js";
import { loadPeople } from "../people.js";
import { errorBox, field, select, showError, ticketsChanged, toast } from "../ui.js";
import { vocab } from "../vocab.js";
import { conflictDialog } from "./conflict.js";
import { macroMenu } from "./macro-menu.js";

/* ---------- saving one change ---------- */

/** The If-Match value for the version of the ticket this page holds (the server's ETag). */
export function etagOf(ticket) {
  return `"t${ticket.id}-v${ticket.version}"`;
}

/** Whether fresh is a version of the ticket at least as new as held (or nothing is held).
 * Two answers can cross: a read that left before a save may arrive after the save's own. */
export function isNewer(fresh, held) {
  return !held || fresh.version >= held.version;
}

/**
 * Somebody saved the ticket since this page loaded it (412): show what changed and who, then
 * re-apply the agent's changes on the current version or drop them. Either way the view is
 * reloaded with the current ticket.
 */
async function resolveConflict(ctx, base, current, changes, message) {
  const choice = await conflictDialog(base, current, changes);
  if (!ctx.alive) return;
  ctx.ticket = current;
  if (choice === "reapply") {
    try {
      await api("PATCH", `/api/tickets/${ctx.id}`, changes, {
        headers: { "If-Match": etagOf(current) },
      });
      toast("Saved on top of the other change.", "ok");
      ticketsChanged();
    } catch (err) {
      showError(message, `Not saved — ${errorText(err)}`);
    }
  } else {
    toast("Your change was discarded; this is the current ticket.");
  }
  ctx.reload();
}

/**
 * PATCH changes with If-Match (the version this page holds), showing them at once; on refusal
 * put the ticket back, call undo() for the control and say why in message; on 412 ask what to
 * do (resolveConflict). ctx: the detail view's {id, ticket, alive, renderSummary, loadEvents}.
 * done(fresh) runs after a successful save (e.g. to forget a draft).
 */
async function patch(ctx, changes, control, message, undo, done) {
  const base = { ...ctx.ticket };
  const before = {};
  for (const [k, v] of Object.entries(changes)) {
    before[k] = ctx.ticket[k];
    before[`${k}_source`] = ctx.ticket[`${k}_source`];
    // The value the ticket already has keeps its source (the server agrees: choosing what
    // triage chose is no change); a different one is the person's.
    if ((k === "category" || k === "priority") && ctx.ticket[k] !== v) {
      ctx.ticket[`${k}_source`] = v === null ? null : vocab.manualSource;
    }
    ctx.ticket[k] = v;
  }
  ctx.renderSummary();
  showError(message, "");
  control.setAttribute("aria-busy", "true");
  try {
    const fresh = await api("PATCH", `/api/tickets/${ctx.id}`, changes, {
      headers: { "If-Match": etagOf(base) },
    });
    control.removeAttribute("aria-busy");
    if (!ctx.alive) return;
    if (isNewer(fresh, ctx.ticket)) ctx.ticket = fresh;
    ctx.renderSummary();
    if (done) done(fresh);
    toast("Saved.", "ok");
    ticketsChanged();
    ctx.loadEvents();
  } catch (err) {
    control.removeAttribute("aria-busy");
    if (!ctx.alive) return;
    Object.assign(ctx.ticket, before);
    ctx.renderSummary();
    if (err.status === 412 && err.detail && err.detail.current) {
      if (done) done(null);
      await resolveConflict(ctx, base, err.detail.current, changes, message);
      return;
    }
    undo();
    const detail = err.fields ? ` ${fieldMessages(err.fields).join(" ")}` : "";
    showError(message, `Not saved — ${errorText(err)}${detail}`);
  }
}

/** A <select> that saves ticket[key] when changed (null for the empty option; parse turns
 * the option's text value into the API's, e.g. Number for ids). */
function savingSelect(ctx, key, options, message, parse = (v) => v) {
  const current = ctx.ticket[key];
  const control = select(options, current === null || current === undefined ? "" : String(current), {
    name: key,
  });
  let previous = control.value;
  control.addEventListener("focus", () => {
    previous = control.value;
  });
  control.addEventListener("change", () => {
    const old = previous;
    previous = control.value;
    patch(ctx, { [key]: control.value === "" ? null : parse(control.value) }, control, message, () => {
      control.value = old;
      previous = old;
    });
  });
  return control;
}

/**
 * A text property (tags, the pinned note) saved like every other property: when the person
 * leaves the field with a value that differs from the saved one (Enter too, for one line).
 * toValue(text) → the API's value; fromTicket(t) → the field's text for t.
 */
function textProperty(ctx, key, input, message, toValue, fromTicket) {
  const draft = keepDraft(ctx.id, key, input, fromTicket(ctx.ticket));
  function save() {
    const old = fromTicket(ctx.ticket);
    if (input.value === old) return;
    patch(
      ctx,
      { [key]: toValue(input.value) },
      input,
      message,
      () => {
        input.value = old;
      },
      (fresh) => fresh && draft.clear(fromTicket(fresh))
    );
  }
  input.addEventListener("blur", save);
  if (input.tagName === "INPUT") {
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") {
        e.preventDefault();
        save();
      }
    });
  }
  return input;
}

function tagsControl(ctx, message) {
  const input = el("input", { type: "text", name: "tags", autocomplete: "off" });
  const text = (t) => (t.tags || []).join(", ");
  input.value = text(ctx.ticket);
  return textProperty(ctx, "tags", input, message, splitList, text);
}

function noteControl(ctx, message) {
  const input = el("textarea", { name: "note", rows: "3" });
  const text = (t) => t.note || "";
  input.value = text(ctx.ticket);
  return textProperty(ctx, "note", input, message, (v) => (v.trim() === "" ? null : v), text);
}

/** Assignee and team menus (filled once the agents and teams are known), and "Take it". */
async function ownerFields(ctx, box, message) {
  let people;
  try {
    people = await loadPeople();
  } catch (err) {
    return; // an older server without teams: no menus
  }
  if (!ctx.alive) return;
  const assignee = savingSelect(
    ctx,
    "assignee_id",
    [["", "Nobody"], ...people.agents.map((a) => [String(a.id), a.away ? `${a.name} (away)` : a.name])],
    message,
    Number
  );
  const team = savingSelect(
    ctx,
    "team_id",
    [["", "No team"], ...people.teams.map((t) => [String(t.id), t.name])],
    message,
    Number
  );
  const me = session.user && session.user.id;
  const take = el("button", { type: "button", class: "btn btn-small", id: "take-ticket" }, "Assign to me");
  take.hidden = !me || ctx.ticket.assignee_id === me;
  take.addEventListener("click", () => {
    assignee.value = String(me);
    assignee.dispatchEvent(new Event("change"));
    take.hidden = true;
  });
  box.appendChild(field("Assignee", assignee, { name: "assignee_id" }));
  box.appendChild(el("div", { class: "inline-actions" }, take));
  box.appendChild(field("Team", team, { name: "team_id" }));
}

/** The "Properties" card: every field saves as it is changed (menus at once, text when the
 * person leaves the field), one way for all of them. */
export function editCard(ctx) {
  const message = errorBox();
  message.id = "edit-error";
  const status = savingSelect(ctx, "status", vocab.statuses, message);
  const priority = savingSelect(ctx, "priority", [["", "None"], ...vocab.priorities], message);
  const category = savingSelect(ctx, "category", [["", "Unclassified"], ...vocab.categories], message);
  const tags = tagsControl(ctx, message);
  const note = noteControl(ctx, message);
  const owners = el("div", { class: "owners" });
  ownerFields(ctx, owners, message);
  return el(
    "aside",
    { class: "card edit-card", "aria-label": "Edit ticket properties" },
    el("h2", { id: "props-h" }, "Properties"),
    el("p", { class: "muted small save-model" }, "Changes save as you make them."),
    message,
    el(
      "div",
      { class: "props-grid" },
      field("Status", status, { name: "status" }),
      field("Priority", priority, { name: "priority" }),
      field("Category", category, { name: "category" })
    ),
    owners,
    field("Tags", tags, { name: "tags", hint: "Comma-separated" }),
    field("Pinned note", note, { name: "note", hint: "Only the team sees it" }),
    macroMenu(ctx, etagOf)
  );
}

/* ---------- Classify: start a job, poll it until done or failed ---------- */

const POLL_LIMIT_MS = 120000;

async function pollJob(job, isAlive, onProgress) {
  const url = job.status_url || `/api/jobs/${job.id}`;
  const deadline = Date.now() + POLL_LIMIT_MS;
  let delay = 400;
  let current = job;
  while (isAlive() && current.status !== "done" && current.status !== "failed") {
    if (Date.now() > deadline) {
      const still = current.status || "queued";
      return { status: "failed", error: `still ${still} after 2 minutes; check back later` };
    }
    onProgress(current);
    await wait(delay);
    delay = Math.min(delay * 1.5, 3000);
    current = await api("GET", url);
  }
  return current;
}

const TRIAGED = ["category", "priority", "sentiment", "urgency_score"];

/** What a finished triage run did to the ticket, in words; when it changed nothing, why. */
export function classifyOutcome(before, after) {
  const changed = TRIAGED.filter((k) => before[k] !== after[k]);
  const manual = ["category", "priority"].filter(
    (k) => after[`${k}_source`] === vocab.manualSource
  );
  const kept = manual.length
    ? ` ${manual.map(label).join(" and ")} ${manual.length > 1 ? "were" : "was"} set by a person, so triage left ${manual.length > 1 ? "them" : "it"} as ${manual.length > 1 ? "they are" : "it is"}.`
    : "";
  if (!changed.length) {
    return `Classification finished: nothing changed.${kept || " Triage came to the same answer as before."}`;
  }
  const what = changed.map((k) => `${label(k === "urgency_score" ? "urgency" : k)} ${label(after[k])}`);
  return `Classification finished: ${what.join(", ")}.${kept}`;
}

/**
 * The Classify button and its live status line. node() builds them (again after each render
 * of the detail view; the last status survives the re-render that follows a finished job).
 */
export function classifyControl(ctx) {
  let box = null;
  let last = null;

  function show(text, status) {
    last = [text, status];
    if (!box) return;
    clear(box);
    box.dataset.status = status;
    if (status === "queued" || status === "running") {
      box.appendChild(el("span", { class: "spinner", "aria-hidden": "true" }));
    }
    box.appendChild(el("span", null, text));
  }

  async function run(button) {
    button.disabled = true;
    show("Queued…", "queued");
    try {
      const started = await api("POST", `/api/tickets/${ctx.id}/classify`, {});
      const job = await pollJob(
        started,
        () => ctx.alive,
        (j) => show(j.status === "running" ? "Running…" : "Queued…", j.status || "queued")
      );
      if (!ctx.alive) return;
      button.disabled = false;
      if (job.status === "done") {
        const before = { ...ctx.ticket };
        show("Classification finished.", "done");
        ticketsChanged();
        await ctx.reload();
        if (ctx.alive && ctx.ticket) show(classifyOutcome(before, ctx.ticket), "done");
      } else {
        show(`Classification failed: ${job.error || "unknown error"}`, "failed");
      }
    } catch (err) {
      if (!ctx.alive) return;
      button.disabled = false;
      const text = notAvailable(err) ? "Classification is not available on this server." : null;
      show(text || errorText(err), "failed");
    }
  }

  function node() {
    box = el("div", { class: "classify-status", "aria-live": "polite", id: "classify-status" });
    const button = el("button", { type: "button", class: "btn btn-primary", id: "classify" }, "Classify");
    button.addEventListener("click", () => run(button));
    if (last) show(...last);
    return el("div", { class: "classify" }, button, box);
  }

  return { node };
}
