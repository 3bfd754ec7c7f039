/* The 412 dialog: somebody saved the ticket after this page loaded it. It shows what they
 * changed (field, theirs, yours) and who, from the ticket's activity, and lets the agent
 * re-apply their own edit on top of the current version or discard it. */

import { api } from "../api.js";
import { el } from "../dom.js";
import { fmtDate, label } from "../format.js";
import { agentName, teamName } from "../people.js";

const SHOWN = [
  "subject",
  "status",
  "priority",
  "category",
  "assignee_id",
  "team_id",
  "tags",
  "note",
];

function show(fieldName, value) {
  if (value === null || value === undefined || value === "") return "—";
  if (fieldName === "assignee_id") return agentName(value);
  if (fieldName === "team_id") return teamName(value);
  if (Array.isArray(value)) return value.join(", ") || "—";
  if (["status", "priority", "category"].includes(fieldName)) return label(value);
  return String(value);
}

function same(a, b) {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/** Fields that differ between the version the page had (base) and the current one. */
export function differences(base, current) {
  return SHOWN.filter((f) => !same(base[f], current[f]));
}

async function whoChanged(id, since) {
  try {
    const data = await api("GET", `/api/tickets/${id}/events?per_page=100`);
    const after = (data.items || []).filter((e) => e.created_at > since);
    const names = [...new Set(after.map((e) => e.actor_label || e.actor_type))];
    const last = after[after.length - 1];
    return names.length ? { names, at: last.created_at } : null;
  } catch (e) {
    return null;
  }
}

/**
 * Ask what to do. base: the ticket as this page loaded it; current: the server's ticket (the
 * 412's error.current); mine: the changes the agent tried. Resolves "reapply" or "discard".
 */
export async function conflictDialog(base, current, mine) {
  // What they changed, and what you tried (so both sides of each field are in view).
  const changed = SHOWN.filter((f) => differences(base, current).includes(f) || f in mine);
  const who = await whoChanged(current.id, base.updated_at);
  const rows = changed.map((f) =>
    el(
      "tr",
      { dataset: { field: f } },
      el("th", { scope: "row" }, label(f.replace(/_id$/, ""))),
      el("td", null, show(f, base[f])),
      el("td", { class: "theirs" }, show(f, current[f])),
      el("td", { class: "mine" }, f in mine ? show(f, mine[f]) : "")
    )
  );
  const reapply = el("button", { type: "button", class: "btn btn-primary", value: "reapply" }, "Re-apply my change");
  const discard = el("button", { type: "button", class: "btn", value: "discard" }, "Discard my change");
  const dialog = el(
    "dialog",
    { class: "conflict-dialog", id: "conflict-dialog", "aria-labelledby": "conflict-title" },
    el("h2", { id: "conflict-title" }, "Someone else changed this ticket"),
    el(
      "p",
      { class: "conflict-who" },
      who ? `${who.names.join(", ")} saved it at ${fmtDate(who.at)}.` : "It was saved since you opened it.",
      " Your change was not saved."
    ),
    rows.length
      ? el(
          "table",
          { class: "conflict-table" },
          el(
            "thead",
            null,
            el("tr", null, el("th", null, "Field"), el("th", null, "Was"), el("th", null, "Now"), el("th", null, "Yours"))
          ),
          el("tbody", null, rows)
        )
      : el("p", { class: "muted" }, "The fields shown here are unchanged (a reply or triage saved it)."),
    el("div", { class: "form-actions" }, reapply, discard)
  );
  document.body.appendChild(dialog);
  return new Promise((resolve) => {
    const done = (choice) => {
      dialog.close();
      dialog.remove();
      resolve(choice);
    };
    reapply.addEventListener("click", () => done("reapply"));
    discard.addEventListener("click", () => done("discard"));
    dialog.addEventListener("cancel", (e) => {
      e.preventDefault();
      done("discard");
    });
    dialog.showModal();
    reapply.focus();
  });
}
