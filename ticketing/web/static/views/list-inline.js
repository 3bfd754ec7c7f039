/* The list's status and priority, changeable in place: a menu dressed as the value's badge. */

import { api, errorText } from "../api.js";
import { label } from "../format.js";
import { select, ticketsChanged, toast } from "../ui.js";
import { etagOf } from "./ticket-edit.js";

/**
 * A menu that looks like the value's badge and saves the ticket's key when changed: shown at
 * once, sent with If-Match (the version the list holds); put back, with the reason, when the
 * server refuses (412: somebody saved the ticket since the list loaded it — the list reloads).
 */
export function inlineSelect(t, key, options, onStale) {
  const control = select(options, t[key] ?? "", {
    class: `inline-edit badge badge-${key}${t[key] ? ` ${key}-${t[key]}` : " badge-empty"}`,
    "aria-label": `${label(key)} of #${t.id}`,
    name: `${key}-${t.id}`,
    dataset: { inline: key },
  });
  control.addEventListener("change", async () => {
    const before = t[key];
    const value = control.value === "" ? null : control.value;
    const paint = (v) => {
      control.className = `inline-edit badge badge-${key}${v ? ` ${key}-${v}` : " badge-empty"}`;
    };
    paint(value);
    control.setAttribute("aria-busy", "true");
    try {
      const fresh = await api("PATCH", `/api/tickets/${t.id}`, { [key]: value }, {
        headers: { "If-Match": etagOf(t) },
      });
      Object.assign(t, fresh);
      toast(`#${t.id}: ${label(key)} ${label(value)}.`, "ok");
      ticketsChanged();
    } catch (err) {
      control.value = before ?? "";
      paint(before);
      if (err.status === 412) {
        toast(`#${t.id} was changed by someone else since the list loaded; not saved.`, "error");
        onStale();
      } else {
        toast(`#${t.id} not saved — ${errorText(err)}`, "error");
      }
    } finally {
      control.removeAttribute("aria-busy");
    }
  });
  return control;
}
