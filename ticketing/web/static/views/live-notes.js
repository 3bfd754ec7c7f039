/* Sentences about live changes and presence, for the ticket page ("Ana changed status to
 * resolved", "Bo is replying"). */

import { label } from "../format.js";
import { agentName, teamName } from "../people.js";

function who(change) {
  return change.actor_label || label(change.actor_type || "someone");
}

function what(change) {
  if (change.action !== "updated") return label(change.action);
  const name = (change.field || "").replace(/_id$/, "");
  if (change.new_value === null || change.new_value === undefined) return `changed ${label(name)}`;
  let value = change.new_value;
  if (change.field === "assignee_id") value = agentName(value);
  else if (change.field === "team_id") value = teamName(value);
  else value = label(value);
  return `changed ${label(name)} to ${value}`;
}

/** "ana@example.com changed status to Resolved, changed note" (one line per person). */
export function describeChanges(changes) {
  const byWho = new Map();
  for (const c of changes) {
    const key = who(c);
    if (!byWho.has(key)) byWho.set(key, []);
    const text = what(c);
    if (!byWho.get(key).includes(text)) byWho.get(key).push(text);
  }
  return [...byWho.entries()].map(([name, texts]) => `${name} ${texts.join(", ")}.`).join(" ");
}

/** "Ana is replying · Bo is viewing" (empty when nobody else is here). */
export function presenceText(presence) {
  return (presence || []).map((p) => `${p.name} is ${p.state}`).join(" · ");
}
