/* The ticket list's totals and pager, and how a page is fetched: by page number, or by the
   previous answer's next_cursor (keyset) when "Next →" was clicked. */

import { api } from "../api.js";
import { el } from "../dom.js";
import { fmtNumber } from "../format.js";

export function totalText(meta) {
  const capped = meta.total_exact === false;
  const count = capped ? `${fmtNumber(meta.total)}+` : fmtNumber(meta.total || 0);
  return count + (meta.total === 1 && !capped ? " ticket" : " tickets");
}

export function pager(onPage) {
  const prev = el("button", { type: "button", class: "btn", onclick: () => onPage(-1) }, "← Previous");
  const next = el("button", { type: "button", class: "btn", onclick: () => onPage(1) }, "Next →");
  const info = el("span", { class: "page-info", "aria-live": "polite" });
  const nav = el("nav", { class: "pager", "aria-label": "Pages" }, prev, info, next);
  function show(meta) {
    const pages = meta.pages || 0;
    const page = meta.page || 1;
    const capped = meta.total_exact === false ? "+" : "";
    info.textContent = pages ? `Page ${page} of ${fmtNumber(pages)}${capped}` : "";
    prev.disabled = page <= 1;
    next.disabled = page >= pages;
    nav.hidden = pages <= 1 && page <= 1;
  }
  return { nav, show };
}

/** GET one page; a cursor the server no longer accepts (its key changed) falls back to the
 * page number the query also carries. */
export async function fetchPage(query, signal) {
  try {
    return await api("GET", `/api/tickets?${query}`, null, { signal });
  } catch (err) {
    if (err.code !== "invalid_cursor") throw err;
    query.delete("cursor");
    return api("GET", `/api/tickets?${query}`, null, { signal });
  }
}
