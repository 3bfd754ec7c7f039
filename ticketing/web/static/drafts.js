/* Drafts: a half-written reply, note or tag edit is kept per ticket in this browser
 * (localStorage) on every keystroke, put back when the ticket is opened again (after a
 * navigation or a reload), and forgotten once it is saved. */

const PREFIX = "ticketing.draft.";

function key(ticketId, name) {
  return `${PREFIX}${ticketId}.${name}`;
}

export function readDraft(ticketId, name) {
  try {
    return localStorage.getItem(key(ticketId, name));
  } catch (e) {
    return null;
  }
}

export function forgetDraft(ticketId, name) {
  try {
    localStorage.removeItem(key(ticketId, name));
  } catch (e) {
    // storage unavailable (private mode): nothing was kept
  }
}

/**
 * Keep input's value as a draft of ticketId's `name`. saved: the value the server has (a
 * draft equal to it is no draft). Restores a kept draft into the input at once and marks it
 * (data-draft) so the person sees it is unsaved. Returns {clear()} to call after saving.
 */
export function keepDraft(ticketId, name, input, saved = "") {
  const kept = readDraft(ticketId, name);
  if (kept !== null && kept !== saved) {
    input.value = kept;
    input.dataset.draft = "true";
  }
  input.addEventListener("input", () => {
    try {
      if (input.value === saved) localStorage.removeItem(key(ticketId, name));
      else localStorage.setItem(key(ticketId, name), input.value);
    } catch (e) {
      return;
    }
    if (input.value === saved) delete input.dataset.draft;
    else input.dataset.draft = "true";
  });
  return {
    clear(newSaved = "") {
      saved = newSaved;
      delete input.dataset.draft;
      forgetDraft(ticketId, name);
    },
  };
}
