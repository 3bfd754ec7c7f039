/* The bulk bar's macro: a menu of your macros and the shared ones; "Apply" with one chosen
 * posts it to POST /api/macros/<id>/apply for the checked tickets (or all matching), after
 * any field changes the bar also names. */

import { api, listOf } from "../api.js";
import { el } from "../dom.js";

/** {node: the menu, chosen() → macro id or "", applyTo(selection) → {total, applied}, reset()} */
export function macroPicker() {
  const node = el(
    "select",
    { name: "bulk-macro", id: "bulk-macro", "aria-label": "Apply a macro" },
    el("option", { value: "" }, "Macro…")
  );
  api("GET", "/api/macros")
    .then((data) => {
      listOf(data).forEach((m) => node.appendChild(el("option", { value: String(m.id) }, m.name)));
      node.hidden = node.options.length <= 1;
    })
    .catch(() => {
      node.hidden = true;
    });
  return {
    node,
    chosen: () => node.value,
    /** selection: {ids} or {filter}, as the bulk edit takes them. */
    applyTo: (selection) => api("POST", `/api/macros/${node.value}/apply`, selection),
    reset() {
      node.value = "";
    },
  };
}
