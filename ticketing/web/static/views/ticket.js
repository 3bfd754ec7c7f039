/* #/tickets/<id> — one ticket: summary chips, the description, the conversation, triage history
 * and activity, and the edit card (ticket-edit.js). */

import { api, errorText, session } from "../api.js";
import { $, clear, el } from "../dom.js";
import { TICKET_PARTS, focusWhenShown, takeFocusPart, viewShortcuts } from "../keys.js";
import { onLive, watchTicket } from "../live.js";
import { fmtDate, isTentative } from "../format.js";
import { vocab } from "../vocab.js";
import {
  badge,
  categoryCell,
  errorBox,
  heading,
  showError,
  sourceMark,
  urgencyMeter,
} from "../ui.js";
import { assistReplies, similarCard } from "./assist.js";
import { describeChanges, presenceText } from "./live-notes.js";
import { eventsCard, repliesCard, triageCard } from "./ticket-activity.js";
import { slaCard } from "./sla.js";
import { classifyControl, editCard, isNewer } from "./ticket-edit.js";

function chip(...content) {
  return el("span", { class: "chip" }, content);
}

function summaryChips(t) {
  const tentative = t.priority_source !== vocab.manualSource && isTentative(t.confidence);
  return el(
    "div",
    { class: "chips" },
    badge("status", t.status),
    chip("Priority: ", badge("priority", t.priority), " ", sourceMark(t.priority_source, tentative)),
    chip("Category: ", categoryCell(t)),
    chip("Sentiment: ", badge("sentiment", t.sentiment)),
    chip("Urgency: ", urgencyMeter(t.urgency_score))
  );
}

/** The requester's message, first in the conversation. */
function descriptionPart(t) {
  const from = t.requester_name || t.requester_email || "unknown requester";
  const address = t.requester_name && t.requester_email ? el("span", null, " <", t.requester_email, ">") : null;
  return el(
    "article",
    { class: "ticket-body" },
    el(
      "p",
      { class: "meta muted" },
      el("strong", { class: "requester" }, from),
      address,
      " · ",
      fmtDate(t.created_at)
    ),
    el("div", { class: "body-text" }, t.body)
  );
}

function notFound(section, id, err) {
  clear(section);
  section.appendChild(heading(err.status === 404 ? `Ticket #${id} not found` : `Ticket #${id}`));
  const box = errorBox();
  showError(box, errorText(err));
  section.appendChild(box);
  section.appendChild(el("p", null, el("a", { href: "#/tickets" }, "Back to tickets")));
}

export function ticketView(main, route) {
  const id = Number(route.parts[1]);
  const section = el("section", { class: "view view-ticket" });
  main.appendChild(section);
  if (!id) {
    section.appendChild(heading("Ticket not found"));
    return {};
  }
  section.appendChild(heading(`Ticket #${id}`, { class: "skeleton-title" }));
  section.appendChild(el("p", { class: "muted" }, "Loading…"));

  let summary = null;
  let events = null;
  let replies = null;
  let side = null;
  let props = null;
  const presenceLine = el("p", { class: "presence muted", id: "presence", "aria-live": "polite" });
  const liveNotice = el("p", { class: "live-notice", id: "live-notice", role: "status", hidden: true });
  // What the parts of the page share: the ticket as last saved, and ways to refresh.
  const ctx = {
    id,
    ticket: null,
    alive: true,
    renderSummary() {
      clear(summary);
      summary.appendChild(summaryChips(ctx.ticket));
      if (ctx.ticket.triage_error) {
        summary.appendChild(el("p", { class: "muted" }, "Last triage error: ", ctx.ticket.triage_error));
      }
      if (ctx.loadClocks) ctx.loadClocks(); // a save can move the SLA clocks
    },
    loadEvents: () => events.load(),
    reload: load,
  };
  const classify = classifyControl(ctx);

  function render() {
    const t = ctx.ticket;
    clear(section);
    summary = el("div", { class: "ticket-summary" });
    replies = repliesCard(ctx, descriptionPart(t), () => {
      replies.load();
      events.load();
      if (ctx.loadClocks) ctx.loadClocks(); // a reply can stop the first-response clock
    });
    assistReplies(ctx, replies.node); // the thread summary and "Draft reply"
    const triage = triageCard(ctx, classify);
    events = eventsCard(ctx);
    const clocks = slaCard(ctx);
    ctx.loadClocks = clocks.load;
    section.appendChild(el("p", { class: "breadcrumb" }, el("a", { href: "#/tickets" }, "← Tickets")));
    section.appendChild(
      heading([el("span", { class: "muted" }, `#${t.id} `), t.subject], { id: "ticket-subject" })
    );
    section.appendChild(presenceLine);
    section.appendChild(liveNotice);
    section.appendChild(summary);
    ctx.renderSummary();
    const similar = similarCard(ctx);
    section.appendChild(similar.banner);
    // Four sections: the conversation, the properties (beside it; first on a phone), triage
    // and activity; the SLA clocks and look-alike tickets under the properties.
    const main = el("div", { class: "col-main" }, replies.node, triage.node, events.node);
    props = el("div", { class: "col-props" }, editCard(ctx));
    side = el("div", { class: "col-side" }, clocks.node, similar.node);
    section.appendChild(el("div", { class: "detail-grid" }, main, props, side));
    replies.load();
    triage.load();
    events.load();
    similar.load();
  }

  async function load() {
    let ticket;
    try {
      ticket = await api("GET", `/api/tickets/${id}`);
    } catch (err) {
      if (ctx.alive) notFound(section, id, err);
      return;
    }
    if (!ctx.alive) return;
    ctx.ticket = ticket;
    // Keep keyboard focus on the heading when the placeholder heading had it.
    const focused = document.activeElement;
    const refocus = focused && focused.tagName === "H1" && section.contains(focused);
    render();
    if (refocus) $("h1", section).focus({ preventScroll: true });
  }

  /** A colleague saved this ticket: show who and what, and bring the page up to date
   * without a reload (drafts in the edit card survive: they are kept in the browser). */
  async function remoteChange(changes) {
    let fresh;
    try {
      fresh = await api("GET", `/api/tickets/${id}`);
    } catch (err) {
      return;
    }
    if (!ctx.alive || !summary) return;
    // A read that left before this page's own save can arrive after it: never go back to an
    // older version (the newer one already holds the colleague's change).
    if (isNewer(fresh, ctx.ticket)) {
      ctx.ticket = fresh;
      ctx.renderSummary();
      const editing = props && props.contains(document.activeElement);
      if (!editing) clear(props).appendChild(editCard(ctx));
    }
    liveNotice.textContent = describeChanges(changes);
    liveNotice.hidden = false;
    replies.load();
    events.load();
  }

  const stopLive = onLive(({ items, presence }) => {
    presenceLine.textContent = presenceText(presence);
    const me = session.user && session.user.id;
    const theirs = items.filter((c) => c.ticket_id === id && c.actor_id !== me);
    if (theirs.length && ctx.ticket) remoteChange(theirs);
  });
  watchTicket(id);

  const stopKeys = viewShortcuts([
    [["e"], "Edit: status, priority, category …", () => focusWhenShown(TICKET_PARTS.edit)],
    [["r"], "Reply", () => focusWhenShown(TICKET_PARTS.reply)],
    [["a"], "Assign", () => focusWhenShown(TICKET_PARTS.assign)],
  ]);
  const part = takeFocusPart(); // e/r/a pressed in the list
  load().then(() => {
    if (part && ctx.alive) focusWhenShown(TICKET_PARTS[part]);
  });
  return {
    destroy() {
      stopKeys();
      ctx.alive = false;
      stopLive();
      watchTicket(null);
    },
  };
}
