/* ticketing — the theme, as a classic script loaded in <head>: it runs before first paint (the
 * module scripts are deferred), so a dark page never flashes light. The page follows
 * prefers-color-scheme until the person uses the toggle; the choice is kept in localStorage.
 */
(function () {
  "use strict";

  var KEY = "ticketing.theme";
  var root = document.documentElement;

  function stored() {
    try {
      var theme = window.localStorage.getItem(KEY);
      return theme === "dark" || theme === "light" ? theme : null;
    } catch (e) {
      return null; // storage blocked (private mode): follow the system
    }
  }
  function system() {
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches
      ? "dark"
      : "light";
  }

  root.dataset.theme = stored() || system();

  function wireToggle() {
    var button = document.getElementById("theme-toggle");
    if (!button) return;
    function sync() {
      var dark = root.dataset.theme === "dark";
      button.setAttribute("aria-pressed", dark ? "true" : "false");
      button.textContent = dark ? "Light theme" : "Dark theme";
    }
    button.addEventListener("click", function () {
      var next = root.dataset.theme === "dark" ? "light" : "dark";
      root.dataset.theme = next;
      try {
        window.localStorage.setItem(KEY, next);
      } catch (e) {
        /* private mode: the choice lasts until reload */
      }
      sync();
    });
    if (window.matchMedia) {
      window.matchMedia("(prefers-color-scheme: dark)").addEventListener("change", function () {
        if (!stored()) {
          root.dataset.theme = system();
          sync();
        }
      });
    }
    sync();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", wireToggle);
  else wireToggle();
})();
