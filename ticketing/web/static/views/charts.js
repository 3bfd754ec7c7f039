/* SVG charts for the dashboard, drawn at the pixel width they get (so their text stays 12 px on
 * any screen); each carries the same numbers as a visually-hidden table for screen readers. */

import { el, svg } from "../dom.js";
import { fmtNumber, label } from "../format.js";

function dataTable(title, rows) {
  return el(
    "table",
    { class: "visually-hidden" },
    el("caption", null, title),
    rows.map(([head, value]) =>
      el("tr", null, el("th", { scope: "row" }, head), el("td", null, value))
    )
  );
}

/** map's keys, those named in order first (in that order), any others after them. */
function ordered(map, order) {
  const keys = Object.keys(map);
  if (!order) return keys;
  const rank = (k) => (order.includes(k) ? order.indexOf(k) : 99);
  return keys.sort((a, b) => rank(a) - rank(b));
}

/** A chart's mark as a link to the list it counts (href), or as it is (none). */
function linked(node, href, text) {
  if (!href) return node;
  return svg("a", { href, class: "chart-link", "aria-label": text }, node);
}

function bar(key, k, v, geometry, href) {
  const { y, rowH, labelW, width } = geometry;
  const middle = { y: y + rowH / 2, "dominant-baseline": "middle" };
  const g = svg(
    "g",
    { class: `bar bar-${key} ${key}-${k}`, dataset: { key: k, value: v } },
    svg("title", null, `${label(k)}: ${fmtNumber(v)}`),
    svg("text", { x: labelW - 8, ...middle, "text-anchor": "end", class: "chart-label" }, label(k)),
    svg("rect", {
      x: labelW,
      y: y + 5,
      width: Math.max(width, v > 0 ? 2 : 0),
      height: rowH - 10,
      rx: 3,
      class: "chart-bar",
    }),
    svg("text", { x: labelW + width + 6, ...middle, class: "chart-value" }, fmtNumber(v))
  );
  return linked(g, href, `${label(k)}: ${fmtNumber(v)} — show these tickets`);
}

/**
 * A horizontal bar per key of map ({open: 12, …}), known keys in order's order. key names the
 * chart (figure[data-chart=key]); width is the pixel width to draw at; hrefOf(k) is where a
 * bar's click leads (null: not a link). Bars take their colour from what they mean (the
 * badges' classes: status-open, priority-high…).
 */
export function barChart(title, key, map, order, width, hrefOf = () => null) {
  const counts = map || {};
  const keys = ordered(counts, order);
  const max = Math.max(1, ...keys.map((k) => Number(counts[k]) || 0));
  const rowH = 28;
  const labelW = Math.min(110, Math.round(width * 0.32));
  const barMax = width - labelW - 56;
  const height = Math.max(rowH, keys.length * rowH);
  const chart = svg(
    "svg",
    {
      viewBox: `0 0 ${width} ${height}`,
      class: "chart",
      role: "img",
      "aria-labelledby": `chart-${key}-t`,
      preserveAspectRatio: "xMinYMin meet",
    },
    svg("title", { id: `chart-${key}-t` }, title)
  );
  keys.forEach((k, i) => {
    const v = Number(counts[k]) || 0;
    const w = Math.round((v / max) * barMax);
    chart.appendChild(bar(key, k, v, { y: i * rowH, rowH, labelW, width: w }, hrefOf(k)));
  });
  const table = dataTable(
    title,
    keys.map((k) => [label(k), fmtNumber(counts[k])])
  );
  return el(
    "figure",
    { class: "card chart-card", dataset: { chart: key } },
    el("figcaption", null, title),
    keys.length ? chart : el("p", { class: "muted" }, "No data."),
    table
  );
}

/** A round top for the axis whose half is a whole number too (0, 2, 4 rather than 0, 2, 3). */
function niceTop(m) {
  if (m <= 10) return m % 2 ? m + 1 : m;
  const exp = 10 ** Math.floor(Math.log10(m));
  const f = m / exp;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * exp;
}

function gridLines(chart, box, max) {
  const { width, padL, padT, plotH } = box;
  for (const f of [0, 0.5, 1]) {
    const y = padT + plotH - f * plotH;
    chart.appendChild(svg("line", { x1: padL, x2: width - 6, y1: y, y2: y, class: "grid-line" }));
    const text = { x: padL - 6, y, "text-anchor": "end", "dominant-baseline": "middle" };
    chart.appendChild(
      svg("text", { ...text, class: "chart-axis" }, fmtNumber(Math.round(max * f)))
    );
  }
}

function dayBar(d, x, step, max, box, href) {
  const v = Number(d.count) || 0;
  const h = (v / max) * box.plotH;
  const g = svg(
    "g",
    { class: "day", dataset: { date: d.date, value: v } },
    svg("title", null, `${d.date}: ${fmtNumber(v)}`),
    svg("rect", {
      x,
      y: box.padT + box.plotH - h,
      width: Math.max(1, step - 2),
      height: Math.max(h, v ? 1 : 0),
      class: "chart-bar",
    })
  );
  return linked(g, v ? href : null, `${d.date}: ${fmtNumber(v)} tickets — show them`);
}

/** Tickets per day ([{date, count}]) as columns, a date label every week and on the last day. */
export function perDayChart(days, width, hrefOf = () => null) {
  const list = days || [];
  const height = 200;
  const box = { width, padL: 34, padT: 10, plotH: height - 22 - 10 };
  const plotW = width - box.padL - 6;
  const max = niceTop(Math.max(1, ...list.map((d) => Number(d.count) || 0)));
  const step = list.length ? plotW / list.length : plotW;
  const chart = svg(
    "svg",
    {
      viewBox: `0 0 ${width} ${height}`,
      class: "chart chart-days",
      role: "img",
      "aria-labelledby": "chart-days-t",
    },
    svg("title", { id: "chart-days-t" }, `Tickets per day, last ${list.length} days`)
  );
  gridLines(chart, box, max);
  const last = list.length - 1;
  list.forEach((d, i) => {
    const x = box.padL + i * step + 1;
    chart.appendChild(dayBar(d, x, step, max, box, hrefOf(d.date)));
    if ((i % 7 === 0 && last - i >= 4) || i === last) {
      const end = i === last;
      const at = { x: end ? box.padL + plotW : x + step / 2, y: height - 6 };
      const anchor = end ? "end" : "middle";
      chart.appendChild(
        svg("text", { ...at, "text-anchor": anchor, class: "chart-axis" }, String(d.date).slice(5))
      );
    }
  });
  return el(
    "figure",
    { class: "card chart-card chart-wide", dataset: { chart: "per_day" } },
    el("figcaption", null, `Tickets per day (${list.length} days)`),
    chart,
    dataTable(
      "Tickets per day",
      list.map((d) => [d.date, fmtNumber(d.count)])
    )
  );
}
