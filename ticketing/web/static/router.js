/* Hash routes ("#/tickets/12", "#/tickets?status=open"), so deep links and Back work. The shell
 * (app.js) registers what to do on a route; views only call navigate(). */

let handler = () => {};
/** fn() shows the view for the current hash; it runs on hashchange and from navigate(). */
export function onRoute(fn) {
  handler = fn;
  window.addEventListener("hashchange", () => handler());
}

/** The current hash as {path: "/tickets/12", parts: ["tickets", "12"], params}. */
export function parseHash() {
  const raw = window.location.hash.replace(/^#/, "") || "/tickets";
  const q = raw.indexOf("?");
  const path = q === -1 ? raw : raw.slice(0, q);
  const params = new URLSearchParams(q === -1 ? "" : raw.slice(q + 1));
  return { path, parts: path.split("/").filter(Boolean), params };
}

function hashFor(path, params) {
  const qs = params ? params.toString() : "";
  return `#${path}${qs ? `?${qs}` : ""}`;
}

/** Go to path (with params); replace=true rewrites the current history entry instead. */
export function navigate(path, params, replace = false) {
  const target = hashFor(path, params);
  if (window.location.hash === target) {
    handler();
  } else if (replace) {
    window.history.replaceState(null, "", target);
    handler();
  } else {
    window.location.hash = target;
  }
}

/** The login view, coming back here afterwards. */
export function goLogin() {
  if (parseHash().parts[0] === "login") return;
  const params = new URLSearchParams();
  params.set("next", window.location.hash || "#/tickets");
  navigate("/login", params);
}
