/* Formatting for display. Every function returns plain text (the caller puts it in a text node). */

import { vocab } from "./vocab.js";

const numberFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });

function missing(value) {
  return value === null || value === undefined || value === "";
}

export function fmtNumber(value) {
  if (missing(value)) return "—";
  const n = Number(value);
  return Number.isFinite(n) ? numberFormat.format(n) : String(value);
}

const roundFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 1 });
/** A figure rounded for reading at a glance: whole numbers from 10 up, one decimal below
 * ("43.68" → "44", "4.25" → "4.3"). */
export function fmtRounded(value) {
  if (missing(value)) return "—";
  const n = Number(value);
  if (!Number.isFinite(n)) return String(value);
  return Math.abs(n) >= 10 ? numberFormat.format(Math.round(n)) : roundFormat.format(n);
}

/** Hours as a person says them: "45 min", "12 h", "3.5 days". */
export function fmtHours(value) {
  if (missing(value)) return "—";
  const h = Number(value);
  if (!Number.isFinite(h)) return String(value);
  if (h < 1) return `${Math.round(h * 60)} min`;
  if (h < 48) return `${fmtRounded(h)} h`;
  return `${fmtRounded(h / 24)} days`;
}

/** "in_progress" → "In progress"; an empty value → "—". */
export function label(value) {
  if (missing(value)) return "—";
  const s = String(value).replace(/_/g, " ");
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function fmtDate(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toLocaleString("en-GB", {
    year: "numeric",
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
  });
}

/** How long ago, in one short unit that never wraps: "now", "5m", "3h", "24d", "4mo", "2y". */
export function fmtAge(iso) {
  if (!iso) return "—";
  const seconds = (Date.now() - new Date(iso).getTime()) / 1000;
  if (!Number.isFinite(seconds)) return "—";
  if (seconds < 60) return "now";
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
  if (seconds < 86400 * 60) return `${Math.floor(seconds / 86400)}d`;
  if (seconds < 86400 * 730) return `${Math.floor(seconds / (86400 * 30.4))}mo`;
  return `${Math.floor(seconds / (86400 * 365.25))}y`;
}

/** The same as words for a tooltip or a screen reader: "24 days ago". */
export function fmtAgeLong(iso) {
  const short = fmtAge(iso);
  const match = /^(\d+)(m|h|d|mo|y)$/.exec(short);
  if (!match) return short === "now" ? "just now" : short;
  const unit = { m: "minute", h: "hour", d: "day", mo: "month", y: "year" }[match[2]];
  return `${match[1]} ${unit}${match[1] === "1" ? "" : "s"} ago`;
}

export function fmtBytes(n) {
  if (n === null || n === undefined) return "—";
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

export function fmtPercent(value) {
  if (value === null || value === undefined) return "—";
  return `${Math.round(Number(value) * 100)}%`;
}

/** A value or "—" when there is none (0 stays 0). */
export function orDash(value) {
  return value === null || value === undefined ? "—" : value;
}

/** Who produced a value or a triage result, for people ("Claude", "Rules", "Manual"), as the
 * server names its sources. */
export function sourceName(source) {
  return vocab.sourceLabels[source] || label(source);
}

/** Is a triage result too unsure to be shown as an answer? */
export function isTentative(confidence) {
  return confidence !== null && confidence !== undefined && confidence < vocab.tentativeBelow;
}

/** "refund, vip ,," → ["refund", "vip"] (tags typed as one comma-separated field). */
export function splitList(text) {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/** An error's per-field messages as one line each ("Subject: Missing data."). */
export function fieldMessages(fields) {
  return Object.keys(fields || {}).map((k) => `${label(k)}: ${[].concat(fields[k]).join(" ")}`);
}

/** Only same-origin paths or http(s) URLs become links (never javascript: or data:). */
export function safeUrl(url) {
  if (!url || typeof url !== "string") return null;
  try {
    const parsed = new URL(url, window.location.href);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch (e) {
    return null;
  }
}
