/* "Apply a macro" on the ticket page: your macros and the shared ones in a menu; choosing one
 * posts its reply and applies its actions in one request (with If-Match, so a colleague's
 * newer save is never overwritten), then the page shows the result. */

import { api, errorText, listOf } from "../api.js";
import { el } from "../dom.js";
import { errorBox, field, showError, ticketsChanged, toast } from "../ui.js";

/** ctx: the ticket view's {id, ticket, alive, reload}; etagOf(ticket) → If-Match. */
export function macroMenu(ctx, etagOf) {
  const menu = el("select", { name: "macro", id: "macro-menu" }, el("option", { value: "" }, "Choose a macro…"));
  const message = errorBox();
  const box = el("div", { class: "macros", hidden: true }, field("Apply a macro", menu, { name: "macro" }), message);
  api("GET", "/api/macros")
    .then((data) => {
      const macros = listOf(data);
      macros.forEach((m) => menu.appendChild(el("option", { value: String(m.id) }, m.name)));
      box.hidden = macros.length === 0;
    })
    .catch(() => {});
  menu.addEventListener("change", async () => {
    const id = menu.value;
    if (!id) return;
    showError(message, "");
    menu.disabled = true;
    try {
      await api("POST", `/api/tickets/${ctx.id}/macros/${id}`, null, {
        headers: { "If-Match": etagOf(ctx.ticket) },
      });
      toast("Macro applied.", "ok");
      ticketsChanged();
      if (ctx.alive) ctx.reload();
    } catch (err) {
      const stale = err.status === 412 ? " Someone saved this ticket meanwhile; the page is updated, try again." : "";
      showError(message, `Not applied — ${errorText(err)}${stale}`);
      if (err.status === 412 && ctx.alive) ctx.reload();
    } finally {
      menu.disabled = false;
      menu.value = "";
    }
  });
  return box;
}
