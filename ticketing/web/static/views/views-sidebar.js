/* Saved views in a sidebar beside the list: the built-in ones ("My open", "Unassigned",
 * "Urgent", "Pending"), yours and the shared ones, each with its live count (GET /api/views,
 * refreshed when tickets change), and "Save this view" for the current filters. */

import { api, errorText, listOf } from "../api.js";
import { clear, debounce, el } from "../dom.js";
import { fmtNumber } from "../format.js";
import { onLive } from "../live.js";
import { navigate } from "../router.js";
import { onTicketsChanged, toast } from "../ui.js";

/** A view's link: its filters, and the sort it opens with (a built-in may have one). */
function query(filters, sort) {
  const params = new URLSearchParams(Object.entries(filters || {}));
  if (sort) params.set("sort", sort);
  return params;
}

/** The params a view's link compares with (order and paging aside). */
function sameFilters(params, filters) {
  const a = new URLSearchParams(params);
  ["page", "per_page", "sort"].forEach((k) => a.delete(k));
  const b = query(filters);
  if ([...a.keys()].length !== [...b.keys()].length) return false;
  return [...b.entries()].every(([k, v]) => a.get(k) === v);
}

/**
 * opts: {params() → the list's URLSearchParams}. Returns {node, menu, mark(params), destroy()}:
 * node is the sidebar (wide screens), menu the same views as a compact menu for the list's
 * head (narrower screens, where a column would squeeze the table).
 */
export function viewsSidebar(opts) {
  const list = el("ul", { class: "views-list" });
  const nameInput = el("input", {
    type: "text",
    name: "view-name",
    maxlength: "80",
    placeholder: "Name these filters",
    "aria-label": "Name for a new view",
  });
  const save = el("button", { type: "submit", class: "btn btn-small", id: "save-view" }, "Save view");
  const form = el("form", { class: "save-view" }, nameInput, save);
  const node = el(
    "nav",
    { class: "views-sidebar", id: "views-sidebar", "aria-label": "Views" },
    el("h2", null, "Views"),
    list,
    form
  );
  let views = [];
  const menu = el("select", { class: "views-menu", id: "views-menu", "aria-label": "Views" });
  menu.addEventListener("change", () => {
    const view = views.find((v) => v.id === menu.value);
    if (view) navigate("/tickets", query(view.filters, view.sort));
  });

  function mark(params) {
    const current = views.find((v) => sameFilters(params, v.filters));
    menu.value = current ? current.id : "";
    list.querySelectorAll("a").forEach((a) => {
      const view = views.find((v) => v.id === a.dataset.view);
      if (view && sameFilters(params, view.filters)) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    });
  }

  async function load() {
    try {
      views = listOf(await api("GET", "/api/views"));
    } catch (err) {
      clear(list);
      list.appendChild(el("li", { class: "muted" }, errorText(err)));
      return;
    }
    clear(list);
    clear(menu);
    menu.appendChild(el("option", { value: "" }, "Views…"));
    for (const view of views) {
      const countText = `${fmtNumber(view.count)}${view.count_exact === false ? "+" : ""}`;
      const link = el(
        "a",
        { href: `#/tickets?${query(view.filters, view.sort)}`, dataset: { view: view.id } },
        el("span", { class: "view-name" }, view.name),
        el("span", { class: "view-count", dataset: { count: String(view.count) } }, countText)
      );
      list.appendChild(el("li", null, link));
      menu.appendChild(el("option", { value: view.id }, `${view.name} (${countText})`));
    }
    mark(opts.params());
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const name = nameInput.value;
    if (!name.trim()) return;
    const filters = Object.fromEntries(new URLSearchParams(opts.params()));
    ["page", "per_page", "sort"].forEach((k) => delete filters[k]);
    try {
      await api("POST", "/api/views", { name: name.trim(), filters });
      toast("View saved.", "ok");
      nameInput.value = "";
      load();
    } catch (err) {
      toast(`Not saved — ${errorText(err)}`, "error");
    }
  });

  const refresh = debounce(load, 1000);
  const stopLive = onLive(({ items }) => {
    if (items.length) refresh();
  });
  const stopChanged = onTicketsChanged(refresh);
  load();
  return {
    node,
    menu,
    mark,
    destroy() {
      stopLive();
      stopChanged();
      refresh.cancel();
    },
    open: (view) => navigate("/tickets", query(view.filters, view.sort)),
  };
}
