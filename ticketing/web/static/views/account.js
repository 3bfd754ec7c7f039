/* #/account — "Your account": change your own password (POST /api/auth/password). */

import { api, session } from "../api.js";
import { $, el } from "../dom.js";
import { checkSession } from "../session.js";
import { errorBox, field, heading, newPasswordsMatch, showFormError, toast } from "../ui.js";

function password(name, autocomplete, extra) {
  return el("input", { type: "password", name, autocomplete, required: true, ...extra });
}

function whoAmI() {
  const u = session.user;
  return u && !u.anonymous ? `${u.name} (${u.email}, ${u.role})` : "";
}

export function accountView(main) {
  const current = password("current_password", "current-password");
  const fresh = password("new_password", "new-password", { minlength: "12" });
  const again = password("confirm_password", "new-password");
  const errors = errorBox();
  const button = el("button", { type: "submit", class: "btn btn-primary" }, "Change password");
  const form = el(
    "form",
    { class: "card form narrow", novalidate: true },
    el("h2", null, "Change password"),
    field("Current password", current, { name: "current_password" }),
    field("New password", fresh, { name: "new_password", hint: "At least 12 characters." }),
    field("New password again", again, { name: "confirm_password" }),
    errors,
    el("div", { class: "form-actions" }, button)
  );
  main.appendChild(
    el(
      "section",
      { class: "view view-account" },
      heading("Your account"),
      el(
        "p",
        { class: "muted account-who" },
        whoAmI(),
        // The top bar's Log out has no room on a phone: it is here too.
        el(
          "button",
          { type: "button", class: "btn btn-small phone-only", onclick: () => $("#logout").click() },
          "Sign out"
        )
      ),
      form
    )
  );

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!newPasswordsMatch(form, errors, fresh, again)) return;
    button.disabled = true;
    const body = { current_password: current.value, new_password: fresh.value };
    try {
      await api("POST", "/api/auth/password", body);
      await checkSession(); // the server ended other sessions and may have a new CSRF token
    } catch (err) {
      button.disabled = false;
      showFormError(form, errors, err);
      return;
    }
    button.disabled = false;
    form.reset();
    toast("Password changed.");
  });
  return {};
}
