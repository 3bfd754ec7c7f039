/* #/exports?id=<id> — the export just started (polled until done, then a download link) and the
 * recent exports. An export is started from the list ("Export these results"). */

import { api, errorText, listOf, notAvailable } from "../api.js";
import { clear, el, wait } from "../dom.js";
import { fmtBytes, fmtDate, fmtNumber, label, safeUrl } from "../format.js";
import { badge, heading } from "../ui.js";

const POLL_LIMIT_MS = 600000;

function isWorking(x) {
  return x.status === "pending" || x.status === "running";
}

function downloadLink(x) {
  const href = safeUrl(x.download_url || `/api/exports/${encodeURIComponent(x.id)}/download`);
  if (!href) return null;
  const attrs = { href, class: "btn btn-small btn-primary", download: "", dataset: { download: x.id } };
  return el("a", attrs, "Download CSV");
}

/** "3 rows · 2.0 KB · expires 1 Jan 2030, 00:00" */
function describe(x) {
  const bits = [];
  if (x.row_count !== null && x.row_count !== undefined) bits.push(`${fmtNumber(x.row_count)} rows`);
  if (x.size_bytes !== null && x.size_bytes !== undefined) bits.push(fmtBytes(x.size_bytes));
  if (x.expires_at) {
    bits.push(`${x.status === "expired" ? "expired" : "expires"} ${fmtDate(x.expires_at)}`);
  }
  return bits.join(" · ");
}

function filterSummary(f) {
  if (!f || typeof f !== "object") return "All tickets";
  const keys = Object.keys(f).filter((k) => f[k] !== null && f[k] !== "" && f[k] !== undefined);
  if (!keys.length) return "All tickets";
  return keys.map((k) => `${label(k)}: ${[].concat(f[k]).join(", ")}`).join(" · ");
}

/** The "Your export" card's content for the export x. */
function currentExport(x) {
  const status = el("p", { class: "export-status" });
  const out = [el("h2", null, "Your export"), status];
  if (isWorking(x)) {
    const text = x.status === "pending" ? "Waiting for a worker…" : "Writing the CSV…";
    status.append(el("span", { class: "spinner", "aria-hidden": "true" }), el("span", null, text));
    out.push(el("progress", { "aria-label": "Export progress" }));
  } else if (x.status === "done") {
    status.append(el("span", null, `Ready. ${describe(x)}`));
    out.push(downloadLink(x));
  } else {
    status.append(el("span", null, label(x.status) + (x.error ? `: ${x.error}` : "")));
  }
  return out.filter(Boolean);
}

function exportItem(x) {
  const failed = x.status === "failed" && x.error;
  return el(
    "li",
    { class: "export-item", dataset: { id: x.id, status: x.status } },
    el("div", null, badge("export", x.status), " ", el("span", { class: "muted" }, fmtDate(x.created_at))),
    el("div", { class: "muted small" }, filterSummary(x.filters)),
    el("div", { class: "small" }, describe(x)),
    failed ? el("div", { class: "small field-error" }, x.error) : null,
    x.status === "done" ? downloadLink(x) : null
  );
}

export function exportsView(main, route) {
  let alive = true;
  const current = el("div", {
    class: "card export-current",
    id: "export-current",
    "aria-live": "polite",
    hidden: true,
  });
  const listBox = el("div", { class: "exports-list" });
  const intro = el(
    "p",
    { class: "muted" },
    "Start an export from the ",
    el("a", { href: "#/tickets" }, "ticket list"),
    " with “Export these results”: it exports every ticket matching the list's filters as CSV."
  );
  main.appendChild(
    el(
      "section",
      { class: "view view-exports" },
      heading("Exports"),
      intro,
      current,
      el("section", { class: "card" }, el("h2", null, "Recent exports"), listBox)
    )
  );

  function showCurrent(...content) {
    clear(current).append(...content);
    current.hidden = false;
  }

  async function poll(id) {
    let delay = 400;
    const deadline = Date.now() + POLL_LIMIT_MS;
    for (;;) {
      let x;
      try {
        x = await api("GET", `/api/exports/${encodeURIComponent(id)}`);
      } catch (err) {
        if (alive) showCurrent(el("p", { class: "error-box" }, errorText(err)));
        return;
      }
      if (!alive) return;
      current.dataset.status = x.status;
      showCurrent(...currentExport(x));
      if (!isWorking(x) || Date.now() >= deadline) break;
      delay = Math.min(delay * 1.5, 3000);
      await wait(delay);
      if (!alive) return;
    }
    loadList();
  }

  async function loadList() {
    let node;
    try {
      const items = listOf(await api("GET", "/api/exports"));
      node = items.length
        ? el("ul", { class: "export-items" }, items.map(exportItem))
        : el("p", { class: "muted" }, "No exports yet.");
    } catch (err) {
      const text = notAvailable(err) ? "Exports are not available on this server yet." : null;
      node = el("p", { class: "muted" }, text || errorText(err));
    }
    if (!alive) return;
    clear(listBox).append(node);
  }

  function update(next) {
    const id = next.params.get("id");
    if (id) poll(id);
    else current.hidden = true;
    loadList();
  }
  update(route);
  return {
    update,
    destroy() {
      alive = false;
    },
  };
}
