/* /api/docs: Swagger UI (the swagger-ui-bundle package, served by this app) on the app's own
 * /api/openapi.json. A classic script, not inline, so the page keeps a strict CSP. "Try it
 * out" uses the browser's session: unsafe requests carry the session's CSRF token. */
(function () {
  "use strict";

  var csrf = null;

  function loadCsrf() {
    return fetch("/api/auth/me", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        return r.ok ? r.json() : null;
      })
      .then(function (me) {
        csrf = me && me.csrf_token ? me.csrf_token : null;
      })
      .catch(function () {
        csrf = null;
      });
  }

  function start() {
    window.ui = window.SwaggerUIBundle({
      url: "/api/openapi.json",
      dom_id: "#swagger-ui",
      deepLinking: true,
      layout: "BaseLayout",
      presets: [window.SwaggerUIBundle.presets.apis],
      tryItOutEnabled: false,
      requestInterceptor: function (req) {
        var method = (req.method || "GET").toUpperCase();
        if (csrf && method !== "GET" && method !== "HEAD" && !req.headers.Authorization) {
          req.headers["X-CSRF-Token"] = csrf;
        }
        return req;
      },
    });
  }

  window.addEventListener("load", function () {
    loadCsrf().then(start);
  });
})();
