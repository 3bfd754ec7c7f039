/* Assist on the page: duplicate flags in the list and on a ticket, the "Similar tickets"
 * card (open look-alikes, resolved ones with the reply that resolved them), and on the
 * conversation card the thread summary and the "Draft reply" button. Kept in its own module:
 * tickets.js and ticket.js only call markDuplicates(), similarCard() and assistReplies(). */

import { api, errorText, notAvailable, session } from "../api.js";
import { $, clear, debounce, el } from "../dom.js";
import { fmtDate, fmtPercent } from "../format.js";
import { navigate, parseHash } from "../router.js";
import { badge, toast } from "../ui.js";
import { vocab } from "../vocab.js";

/** Flags from GET /api/duplicates for these ids, as {ticketId: flag}. */
async function flagsFor(ids) {
  if (!ids.length) return {};
  const data = await api("GET", `/api/duplicates?ticket=${ids.join(",")}`);
  const out = {};
  (data.items || []).forEach((f) => {
    out[f.ticket_id] = f;
  });
  return out;
}

function duplicateChip(flag) {
  return el(
    "a",
    {
      class: "chip chip-duplicate",
      href: `#/tickets/${flag.duplicate_of.id}`,
      title: `Looks like #${flag.duplicate_of.id} from the same requester (${fmtPercent(flag.score)} alike)`,
    },
    `Possible duplicate of #${flag.duplicate_of.id}`
  );
}

/** Mark the list's rows whose ticket is flagged as a likely duplicate (best effort). */
export async function markDuplicates(tbody, ids) {
  let flags;
  try {
    flags = await flagsFor(ids);
  } catch (err) {
    return; // the list stands without its flags
  }
  Object.values(flags).forEach((flag) => {
    const row = tbody.querySelector(`tr[data-id="${flag.ticket_id}"]`);
    const subject = row && $(".col-subject", row);
    if (subject) subject.appendChild(duplicateChip(flag));
  });
}

function resolutionOf(item) {
  if (!item.resolution) return null;
  return el(
    "blockquote",
    { class: "resolution" },
    el("p", { class: "muted" }, "Resolved with ", item.resolution.author_name ? `${item.resolution.author_name}'s` : "a", " reply, ", fmtDate(item.resolution.created_at), ":"),
    el("div", { class: "body-text" }, item.resolution.body)
  );
}

function similarItem(item) {
  const t = item.ticket;
  return el(
    "li",
    { class: "similar-item", dataset: { id: t.id } },
    el("a", { href: `#/tickets/${t.id}` }, `#${t.id} `, t.subject),
    " ",
    badge("status", t.status),
    el(
      "p",
      { class: "muted similar-why" },
      `${fmtPercent(item.score)} alike`,
      item.why.shared_terms.length ? ` · shared: ${item.why.shared_terms.join(", ")}` : " in meaning"
    ),
    resolutionOf(item)
  );
}

async function similarList(ticketId, scope, k) {
  const data = await api("GET", `/api/tickets/${ticketId}/similar?scope=${scope}&k=${k}`);
  return data.items || [];
}

/** Merge ticket id into target, then show the target. */
async function mergeInto(id, target) {
  try {
    await api("POST", `/api/tickets/${id}/merge`, { into: target });
  } catch (err) {
    toast(errorText(err), "error");
    return;
  }
  toast(`Ticket #${id} merged into #${target}.`);
  const params = new URLSearchParams();
  params.set("merged_from", String(id));
  navigate(`/tickets/${target}`, params);
}

function mergeForm(ctx) {
  const input = el("input", { type: "number", min: "1", name: "into", class: "merge-into", "aria-label": "Ticket number to merge into" });
  return el(
    "form",
    {
      class: "merge-form",
      onsubmit: (e) => {
        e.preventDefault();
        const target = Number(input.value);
        if (target) mergeInto(ctx.id, target);
      },
    },
    el("label", null, "Merge this ticket into #", input),
    " ",
    el("button", { type: "submit", class: "btn" }, "Merge")
  );
}

/** After a merge: "#S was merged into this ticket", with Undo for an admin. */
function mergedFromBanner(sourceId) {
  async function undo() {
    try {
      await api("POST", `/api/tickets/${sourceId}/merge/undo`);
    } catch (err) {
      toast(errorText(err), "error");
      return;
    }
    toast(`Merge undone: #${sourceId} is back.`);
    navigate(`/tickets/${sourceId}`);
  }
  const isAdmin = Boolean(session.user && vocab.adminRole && session.user.role === vocab.adminRole);
  return el(
    "div",
    { class: "notice merged-banner", role: "note" },
    `Ticket #${sourceId} was merged into this one. `,
    isAdmin ? el("button", { type: "button", class: "btn btn-ghost", onclick: undo }, "Undo merge") : null
  );
}

/** A merged ticket's page goes to the ticket it was merged into. Returns true when it did. */
async function followMerge(ctx) {
  let merge;
  try {
    merge = await api("GET", `/api/tickets/${ctx.id}/merge`);
  } catch (err) {
    return false; // 404: not merged
  }
  if (!ctx.alive || merge.undone_at) return false;
  const params = new URLSearchParams();
  params.set("merged_from", String(ctx.id));
  navigate(`/tickets/${merge.target_id}`, params, true);
  return true;
}

/** The banner over a ticket flagged as a likely duplicate, with "Not a duplicate". */
function duplicateBanner(ctx, flag, box) {
  async function dismiss() {
    try {
      await api("DELETE", `/api/tickets/${ctx.id}/duplicate`);
      clear(box);
      toast("Flag cleared.");
    } catch (err) {
      toast(errorText(err), "error");
    }
  }
  return el(
    "div",
    { class: "notice duplicate-banner", role: "note" },
    "This looks like a duplicate of ",
    el("a", { href: `#/tickets/${flag.duplicate_of.id}` }, `#${flag.duplicate_of.id} ${flag.duplicate_of.subject}`),
    ` (${fmtPercent(flag.score)} alike, same requester). `,
    el("button", { type: "button", class: "btn", onclick: () => mergeInto(ctx.id, flag.duplicate_of.id) }, `Merge into #${flag.duplicate_of.id}`),
    " ",
    el("button", { type: "button", class: "btn btn-ghost", onclick: dismiss }, "Not a duplicate")
  );
}

/** {node, banner, load()}: the "Similar tickets" card and the duplicate banner of ctx.id. */
export function similarCard(ctx) {
  const openBox = el("div", { class: "similar-open" });
  const resolvedBox = el("div", { class: "similar-resolved" });
  const banner = el("div", { class: "assist-banner" });
  const node = el(
    "section",
    { class: "card similar-card", "aria-labelledby": "similar-title" },
    el("h2", { id: "similar-title" }, "Similar tickets"),
    el("h3", null, "Open"),
    openBox,
    el("h3", null, "Resolved"),
    resolvedBox,
    mergeForm(ctx)
  );

  function fill(box, items, empty) {
    clear(box);
    box.appendChild(
      items.length ? el("ol", { class: "similar-list" }, items.map(similarItem)) : el("p", { class: "muted" }, empty)
    );
  }

  async function load() {
    if (await followMerge(ctx)) return;
    const from = Number(parseHash().params.get("merged_from"));
    try {
      const [open, resolved, flags] = await Promise.all([
        similarList(ctx.id, "open", 3),
        similarList(ctx.id, "resolved", 5),
        flagsFor([ctx.id]),
      ]);
      if (!ctx.alive) return;
      fill(openBox, open, "No open look-alikes.");
      fill(resolvedBox, resolved, "No resolved look-alikes.");
      clear(banner);
      if (from) banner.appendChild(mergedFromBanner(from));
      if (flags[ctx.id]) banner.appendChild(duplicateBanner(ctx, flags[ctx.id], banner));
    } catch (err) {
      if (!ctx.alive) return;
      clear(openBox).appendChild(el("p", { class: "muted" }, notAvailable(err) ? "Not available." : errorText(err)));
      clear(resolvedBox);
    }
  }
  return { node, banner, load };
}

/* ---------- the conversation: thread summary and reply drafts ---------- */

const SOURCE_LABEL = { ticket: "ticket", article: "article", macro: "macro" };

function sourceLink(source) {
  const label = `${SOURCE_LABEL[source.type] || source.type} ${source.key}: ${source.title}`;
  if (source.type === "ticket") return el("a", { href: `#/tickets/${source.id}` }, label);
  if (source.type === "article") return el("a", { href: `/help/${source.id}`, target: "_blank", rel: "noopener" }, label);
  return el("span", null, label);
}

/** The "Draft reply" button for a reply form: the draft goes into the reply box with its
 * sources shown; sending it (as is or edited) is recorded by the server, "Discard" here. */
function draftControl(ctx, form) {
  const textarea = $("textarea[name=reply]", form);
  const panel = el("div", { class: "draft-panel", role: "status", "aria-live": "polite" });
  let current = null; // the pending draft shown
  const button = el("button", { type: "button", class: "btn draft-button" }, "Draft reply");

  function fillBox(text) {
    textarea.value = text;
    textarea.dispatchEvent(new Event("input", { bubbles: true })); // kept and "replying"
    textarea.focus();
  }

  async function discard() {
    const draft = current;
    if (!draft) return;
    current = null;
    clear(panel);
    if (textarea.value === draft.body) fillBox("");
    try {
      await api("POST", `/api/drafts/${draft.id}/discard`);
    } catch (err) {
      toast(errorText(err), "error");
    }
  }

  function show(draft) {
    clear(panel);
    if (!draft.body) {
      panel.appendChild(el("p", { class: "muted" }, "No draft: nothing similar has been answered yet."));
      api("POST", `/api/drafts/${draft.id}/discard`).catch(() => {});
      return;
    }
    current = draft;
    panel.appendChild(
      el(
        "div",
        { class: "notice draft-notice" },
        el("p", null, draft.generator === "claude" ? "Draft written by Claude" : "Draft from the best matching source", draft.answered ? "" : " (the sources may not answer this: check it)", ". Edit it, then add it as a reply."),
        el("p", { class: "muted" }, "Sources: "),
        el("ul", { class: "draft-sources" }, draft.sources.map((src) => el("li", null, sourceLink(src)))),
        el("button", { type: "button", class: "btn btn-ghost draft-discard", onclick: discard }, "Discard draft")
      )
    );
    fillBox(draft.body);
  }

  button.addEventListener("click", async () => {
    if (current) await discard();
    if (textarea.value.trim() && !window.confirm("Replace what is in the reply box with a draft?")) return;
    button.disabled = true;
    try {
      show(await api("POST", `/api/tickets/${ctx.id}/draft`));
    } catch (err) {
      toast(errorText(err), "error");
    } finally {
      button.disabled = false;
    }
  });
  // Sent (as is or edited): the server settles the draft with the reply; the panel goes.
  form.addEventListener("submit", () => {
    if (current) {
      current = null;
      clear(panel);
    }
  });
  const actions = $(".form-actions", form) || form;
  actions.appendChild(button);
  form.insertBefore(panel, form.firstChild);
}

/** The one-paragraph summary of a long thread, above the conversation; null when short. */
function summaryBox(ctx) {
  const box = el("section", { class: "thread-summary", hidden: true, "aria-label": "Thread summary" });
  async function load() {
    let data;
    try {
      data = await api("GET", `/api/tickets/${ctx.id}/summary`);
    } catch (err) {
      return; // the conversation stands without it
    }
    if (!ctx.alive) return;
    clear(box);
    box.hidden = !data.summary;
    if (data.summary) {
      box.appendChild(el("h3", null, `Summary of ${data.messages} messages`));
      box.appendChild(el("p", { class: "summary-text" }, data.summary));
    }
  }
  return { box, load };
}

/** Hooks the conversation card (``repliesNode``): the summary above the thread (reloaded when
 * the thread changes) and the "Draft reply" button in its reply form. */
export function assistReplies(ctx, repliesNode) {
  const summary = summaryBox(ctx);
  const title = $("h2", repliesNode);
  if (title) title.after(summary.box);
  else repliesNode.prepend(summary.box);
  summary.load();
  const form = $("form.reply-form", repliesNode);
  if (form) draftControl(ctx, form);
  const thread = form ? form.previousElementSibling : null;
  if (thread) new MutationObserver(debounce(summary.load, 300)).observe(thread, { childList: true });
}
