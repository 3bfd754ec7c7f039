/* The ticket detail's lists: the conversation (with the reply form), the triage history and the
 * audit trail ("Activity"). Each card loads its own list and can be reloaded. */

import { api, errorText, listOf, notAvailable } from "../api.js";
import { clear, el, nextId } from "../dom.js";
import { keepDraft } from "../drafts.js";
import { watchTicket } from "../live.js";
import { vocab } from "../vocab.js";
import { fmtDate, fmtPercent, isTentative, label, orDash, sourceName } from "../format.js";
import {
  badge,
  confidenceText,
  errorBox,
  field,
  setFieldErrors,
  showError,
  showFormError,
  sourceMark,
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
      const [loaded, extra] = await Promise.all([
        api("GET", path).then(listOf),
        opts.extra ? opts.extra().catch(() => null) : null,
      ]);
      const items = opts.group ? opts.group(loaded, extra) : loaded;
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
    { class: `card${opts.cardClass ? ` ${opts.cardClass}` : ""}`, "aria-labelledby": opts.id },
    el("h2", { id: opts.id }, opts.title),
    opts.header || null,
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
      el("label", { for: internal.id }, "Internal — only the team sees it")
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

/** The conversation card: the requester's description (header), the replies, the reply form;
 * onAdded() runs after a reply was added (it reloads the lists). */
export function repliesCard(ctx, header, onAdded) {
  return listCard(ctx, `/api/tickets/${ctx.id}/replies`, {
    title: "Conversation",
    id: "replies-h",
    cardClass: "conversation",
    header,
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

/** A triage run; its explanation is left out when it is the one shown above (current). */
function historyItem(c, current = null) {
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
    c.explanation && c.explanation !== current ? el("p", { class: "explanation" }, c.explanation) : null
  );
}

/** The ticket's current triage answer in words: who, how sure, why. */
function currentTriage(t) {
  const source = [t.category_source, t.priority_source].find(
    (x) => x && vocab.triageSources.includes(x)
  );
  if (!source && !t.classified_at) {
    return el("p", { class: "muted" }, triageState(t) || "Not classified by triage yet.");
  }
  const tentative = isTentative(t.confidence);
  const manual = ["category", "priority"].filter((k) => t[`${k}_source`] === vocab.manualSource);
  return el(
    "div",
    { class: `triage-now${tentative ? " tentative" : ""}` },
    el(
      "p",
      { class: "triage-line" },
      source ? sourceMark(source, tentative) : null,
      " ",
      confidenceText(t.confidence, source),
      tentative ? el("span", { class: "muted" }, " — a guess: check it") : null,
      t.classified_at ? el("span", { class: "muted" }, ` · ${fmtDate(t.classified_at)}`) : null
    ),
    t.explanation ? el("p", { class: "explanation" }, t.explanation) : null,
    manual.length
      ? el(
          "p",
          { class: "muted small" },
          `${manual.map(label).join(" and ")} set by a person: triage leaves ${manual.length > 1 ? "them" : "it"} as ${manual.length > 1 ? "they are" : "it is"}.`
        )
      : null,
    t.suggested_title ? el("p", { class: "muted" }, "Suggested title: ", t.suggested_title) : null
  );
}

function triageState(t) {
  if (!t.triage_status) return null;
  return `Triage: ${label(t.triage_status)}`;
}

/** The Triage section: the current answer, Classify, and the runs so far (identical
 * consecutive runs once). classify: the view's classifyControl(). */
export function triageCard(ctx, classify) {
  const history = listCard(ctx, `/api/tickets/${ctx.id}/classifications`, {
    title: "Triage",
    id: "triage-h",
    cardClass: "triage-card",
    header: el(
      "div",
      null,
      currentTriage(ctx.ticket),
      classify.node(),
      el("h3", { class: "runs-h" }, "Runs")
    ),
    boxClass: "history",
    listClass: "history-list",
    empty: "No triage runs yet.",
    unavailable: "Triage history is not available on this server.",
    item: (run) => historyItem(run, ctx.ticket.explanation),
    group: collapseRuns,
  });
  return history;
}

/* ---------- audit trail ---------- */

/** What a field's stored text means to a person ("in_progress" → "In progress"). */
function shown(fieldName, value) {
  if (value === null || value === undefined || value === "") return "—";
  if (/_source$/.test(fieldName)) return sourceName(value);
  if (fieldName === "tags") return value.split(",").join(", ");
  if (/^(status|priority|category|sentiment)$/.test(fieldName)) return label(value);
  return value;
}

/** Fields a person reads in the activity: a value's source is told by who changed it. */
function readable(ev) {
  return !/_source$/.test(ev.field || "");
}

/**
 * The trail as a person tells it: the rows one request (or one triage job) wrote become one
 * entry ("Triage (Rules) set category Billing, priority High — 95%"). runs: the triage runs,
 * for the confidence and the classifier of a job's changes.
 */
export function groupEvents(events, runs) {
  const byJob = new Map((runs || []).filter((r) => r.job_id).map((r) => [`job:${r.job_id}`, r]));
  // A run made in the request itself (no job id to match): the one nearest in time.
  const near = (ev) => {
    if (ev.actor_type !== vocab.triageActor) return null;
    const at = new Date(ev.created_at).getTime();
    const best = (runs || [])
      .map((r) => [Math.abs(new Date(r.created_at).getTime() - at), r])
      .sort((a, b) => a[0] - b[0])[0];
    return best && best[0] < 120000 ? best[1] : null;
  };
  const groups = [];
  for (const ev of events) {
    const prev = groups[groups.length - 1];
    const together =
      prev &&
      ev.action === prev.action &&
      ev.field &&
      prev.events[0].field &&
      ev.request_id &&
      ev.request_id === prev.request_id &&
      ev.actor_label === prev.actor_label;
    if (together) prev.events.push(ev);
    else groups.push({ ...ev, events: [ev], run: byJob.get(ev.request_id) || near(ev) });
  }
  return groups;
}

function changeText(ev) {
  const name = label(ev.field === "urgency_score" ? "urgency" : ev.field).toLowerCase();
  if (ev.old_value === null || ev.old_value === undefined) return `${name} ${shown(ev.field, ev.new_value)}`;
  if (ev.new_value === null || ev.new_value === undefined) return `${name} cleared`;
  return `${name} ${shown(ev.field, ev.old_value)} → ${shown(ev.field, ev.new_value)}`;
}

function groupText(g) {
  const who = g.actor_type === vocab.triageActor ? "Triage" : g.actor_label || label(g.actor_type);
  if (!g.events[0].field) {
    // Whole-ticket events; their value is worth telling only for merges and withheld data.
    const what = label(g.action).toLowerCase();
    if (g.action === "created") return [who, "created the ticket"];
    if (/^merge/.test(g.action) && g.new_value) return [who, `${what} #${g.new_value}`];
    if (/withheld/.test(g.action) && g.new_value) return [who, `${what}: ${g.new_value}`];
    return [who, what];
  }
  const changes = g.events.filter(readable);
  const list = (changes.length ? changes : g.events).map(changeText).join(", ");
  const verb = g.events.every((e) => e.old_value === null) ? "set" : "changed";
  const run = g.run;
  const by = run ? ` (${sourceName(run.source)})` : "";
  const sure = run && run.confidence !== null && run.confidence !== undefined ? ` — ${fmtPercent(run.confidence)}` : "";
  return [`${who}${by}`, `${verb} ${list}${sure}`];
}

function eventItem(g) {
  const [who, what] = groupText(g);
  return el(
    "li",
    { class: "event", dataset: { count: g.events.length } },
    el("strong", null, who),
    " ",
    what,
    " ",
    el(
      "span",
      { class: "muted event-when" },
      when(g.created_at),
      g.via ? ` · via ${g.via}` : null
    )
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
    extra: () => api("GET", `/api/tickets/${ctx.id}/classifications`).then(listOf),
    group: groupEvents,
    item: eventItem,
  });
}
