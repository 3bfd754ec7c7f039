/* The ticket detail's lists: the conversation (with the reply form), the triage history and the
 * audit trail ("Activity"). Each card loads its own list and can be reloaded. */

import { api, errorText, listOf, notAvailable } from "../api.js";
import { clear, el, nextId } from "../dom.js";
import { keepDraft } from "../drafts.js";
import { watchTicket } from "../live.js";
import { fmtDate, fmtPercent, isTentative, label, orDash, sourceName } from "../format.js";
import {
  badge,
  errorBox,
  field,
  setFieldErrors,
  showError,
  showFormError,
  ticketsChanged,
  toast,
} from "../ui.js";

/**
 * A card whose body is a list loaded from path. opts: {title, id, empty, unavailable,
 * listTag, listClass, item(x) → <li>}; a failure shows errorText (or opts.unavailable when the
 * server has no such API). Returns {node, box, load()}.
 */
function listCard(ctx, path, opts) {
  const box = el("div", { class: opts.boxClass });
  async function load() {
    let node;
    try {
      const loaded = listOf(await api("GET", path));
      const items = opts.group ? opts.group(loaded) : loaded;
      node = items.length
        ? el(opts.listTag || "ol", { class: opts.listClass }, items.map(opts.item))
        : el("p", { class: "muted" }, opts.empty);
    } catch (err) {
      const unavailable = opts.unavailable && notAvailable(err);
      node = el(
        "p",
        { class: opts.errorClass || "muted" },
        unavailable ? opts.unavailable : errorText(err)
      );
    }
    if (!ctx.alive) return;
    clear(box);
    box.appendChild(node);
  }
  const node = el(
    "section",
    { class: "card", "aria-labelledby": opts.id },
    el("h2", { id: opts.id }, opts.title),
    box,
    opts.footer || null
  );
  return { node, load };
}

function when(iso, attrs) {
  return el("time", { class: "muted", datetime: iso, ...attrs }, fmtDate(iso));
}

/* ---------- conversation ---------- */

function replyItem(rep) {
  const kind = rep.internal ? "Internal" : "Public";
  return el(
    "li",
    {
      class: `reply${rep.internal ? " reply-internal" : ""}`,
      dataset: { internal: rep.internal ? "true" : "false" },
    },
    el(
      "div",
      { class: "reply-head" },
      el("strong", null, rep.author_name || rep.author_email || "Staff"),
      " ",
      el("span", { class: `badge badge-${kind.toLowerCase()}` }, kind),
      " ",
      when(rep.created_at)
    ),
    el("div", { class: "body-text" }, rep.body),
    rep.attachments && rep.attachments.length ? attachmentList(rep.attachments) : null,
    rep.delivery ? deliveryLine(rep.delivery) : null
  );
}

/* Files on a reply: downloads (never opened in the page). */
function attachmentList(files) {
  return el(
    "ul",
    { class: "attachments" },
    ...files.map((f) =>
      el(
        "li",
        null,
        el("a", { href: f.download_url, download: f.filename }, f.filename),
        ` (${Math.max(1, Math.round(f.size_bytes / 1024))} KB)`
      )
    )
  );
}

/* The e-mail that carries a public reply: sent, waiting, failed (why) or, with no mail
   server configured, saved to a file. */
function deliveryLine(d) {
  let text;
  if (d.status === "sent") text = `E-mail sent to ${d.to}`;
  else if (d.status === "saved")
    text = `E-mail not sent — no mail server configured (saved to ${d.saved_to})`;
  else if (d.status === "failed") text = `E-mail to ${d.to} failed: ${d.error || "unknown"}`;
  else text = `E-mail to ${d.to} ${d.status}${d.error ? ` (last try: ${d.error})` : ""}`;
  return el("div", { class: `muted delivery delivery-${d.status}` }, text);
}

function replyForm(ctx, onAdded) {
  const textarea = el("textarea", { name: "reply", rows: "3", required: true });
  const internal = el("input", { type: "checkbox", name: "internal", id: nextId("internal") });
  const errors = errorBox();
  const button = el("button", { type: "submit", class: "btn btn-primary" }, "Add reply");
  const draft = keepDraft(ctx.id, "reply", textarea);
  // Colleagues see "… is replying" while there is text in the box.
  const presence = () => watchTicket(ctx.id, textarea.value.trim() ? "replying" : "viewing");
  textarea.addEventListener("input", presence);
  textarea.addEventListener("focus", presence);
  const form = el(
    "form",
    { class: "reply-form", novalidate: true },
    field("Reply", textarea, { name: "body" }),
    el(
      "div",
      { class: "check" },
      internal,
      el("label", { for: internal.id }, "Internal note (not visible to the requester)")
    ),
    errors,
    el("div", { class: "form-actions" }, button)
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    showError(errors, "");
    button.disabled = true;
    const body = { body: textarea.value, internal: internal.checked };
    try {
      await api("POST", `/api/tickets/${ctx.id}/replies`, body);
    } catch (err) {
      button.disabled = false;
      showFormError(form, errors, err);
      return;
    }
    button.disabled = false;
    textarea.value = "";
    draft.clear();
    presence();
    internal.checked = false;
    setFieldErrors(form, {});
    toast("Reply added.", "ok");
    onAdded();
    ticketsChanged();
  });
  return form;
}

/** The conversation card; onAdded() runs after a reply was added (it reloads the lists). */
export function repliesCard(ctx, onAdded) {
  return listCard(ctx, `/api/tickets/${ctx.id}/replies`, {
    title: "Conversation",
    id: "replies-h",
    boxClass: "replies",
    listClass: "thread",
    empty: "No replies yet.",
    errorClass: "error-box",
    item: replyItem,
    footer: replyForm(ctx, onAdded),
  });
}

/* ---------- triage history ---------- */

const SAME_RUN = [
  "source",
  "model",
  "category",
  "priority",
  "sentiment",
  "urgency_score",
  "confidence",
  "explanation",
  "suggested_title",
  "error",
];

/** Consecutive runs that came to the same answer shown once, with how many there were. */
export function collapseRuns(runs) {
  const out = [];
  for (const run of runs) {
    const prev = out[out.length - 1];
    if (prev && SAME_RUN.every((k) => (prev[k] ?? null) === (run[k] ?? null))) {
      prev.repeats += 1;
      prev.first_at = run.created_at;
    } else {
      out.push({ ...run, repeats: 1, first_at: run.created_at });
    }
  }
  return out;
}

function historyItem(c) {
  const muted = (text) => el("span", { class: "muted" }, text);
  const hasLatency = c.latency_ms !== null && c.latency_ms !== undefined;
  const figures = c.error
    ? el("p", { class: "muted" }, "Error: ", c.error)
    : el(
        "p",
        { class: "chips" },
        badge("category", c.category),
        badge("priority", c.priority),
        badge("sentiment", c.sentiment),
        el("span", { class: "chip" }, `Urgency ${orDash(c.urgency_score)}`),
        el(
          "span",
          { class: `chip${isTentative(c.confidence) ? " confidence-low" : ""}` },
          `${fmtPercent(c.confidence)} confident${isTentative(c.confidence) ? " (a guess)" : ""}`
        )
      );
  const repeats =
    c.repeats > 1
      ? muted(` · ${c.repeats} identical runs since ${fmtDate(c.first_at)}`)
      : null;
  return el(
    "li",
    {
      class: `history-item${c.error ? " history-error" : ""}`,
      dataset: { repeats: c.repeats || 1 },
    },
    el(
      "div",
      { class: "reply-head" },
      el("strong", null, sourceName(c.source)),
      c.model ? muted(` · ${c.model}`) : null,
      " ",
      when(c.created_at),
      hasLatency ? muted(` · ${c.latency_ms} ms`) : null,
      repeats
    ),
    figures,
    c.explanation ? el("p", { class: "explanation" }, c.explanation) : null,
    c.suggested_title ? el("p", { class: "muted" }, "Suggested title: ", c.suggested_title) : null
  );
}

export function historyCard(ctx) {
  return listCard(ctx, `/api/tickets/${ctx.id}/classifications`, {
    title: "Triage history",
    id: "history-h",
    boxClass: "history",
    listClass: "history-list",
    empty: "Not classified by triage yet.",
    unavailable: "Triage history is not available on this server.",
    item: historyItem,
    group: collapseRuns,
  });
}

/* ---------- audit trail ---------- */

function eventItem(ev) {
  const what = ev.field
    ? [
        `${label(ev.field)}: `,
        el("del", null, orDash(ev.old_value)),
        " → ",
        el("ins", null, orDash(ev.new_value)),
      ]
    : [label(ev.action)];
  return el(
    "li",
    { class: "event" },
    when(ev.created_at),
    " ",
    el("strong", null, ev.actor_label || label(ev.actor_type)),
    ev.via ? el("span", { class: "muted" }, ` via ${ev.via}`) : null,
    " — ",
    ev.field ? `${label(ev.action)} · ` : null,
    what
  );
}

export function eventsCard(ctx) {
  return listCard(ctx, `/api/tickets/${ctx.id}/events`, {
    title: "Activity",
    id: "events-h",
    boxClass: "events",
    listClass: "events-list",
    empty: "No activity recorded.",
    unavailable: "The audit trail is not available on this server.",
    item: eventItem,
  });
}
