/* Assist on the page: duplicate flags in the list and on a ticket, and the "Similar tickets"
 * card (open look-alikes, resolved ones with the reply that resolved them). Kept in its own
 * module: tickets.js and ticket.js only call markDuplicates() and similarCard(). */

import { api, errorText, notAvailable, session } from "../api.js";
import { $, clear, el } from "../dom.js";
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
      `${fmtPercent(item.score)} alike · shared: `,
      item.why.shared_terms.join(", ")
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
