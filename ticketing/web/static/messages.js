/* The API's field messages in plain words for a person at a form. The API stays exact for
 * programs ("Length must be between 3 and 254."); the page says what to do ("Enter your
 * e-mail address"). A message it does not recognise is shown as the server wrote it. */

/** What a field asks for, by the API's field name (a form may name it otherwise: data-noun). */
const NOUNS = {
  subject: "a subject",
  body: "a description",
  email: "an e-mail address",
  requester_email: "an e-mail address",
  name: "a name",
  requester_name: "a name",
  password: "your password",
  current_password: "your current password",
  new_password: "a new password",
  confirm_password: "the new password again",
  note: "a note",
  tags: "at least one tag",
};

function nounOf(name, noun) {
  return noun || NOUNS[name] || "a value";
}

/** One message in plain words. value: what the field holds now. */
function plain(message, value, noun) {
  const empty = value.trim() === "";
  const text = String(message);
  if (/missing data|may not be null|must not be blank|shorter than minimum length 1\b/i.test(text)) {
    return `Enter ${noun}`;
  }
  if (/not a valid e-?mail/i.test(text)) {
    return empty ? `Enter ${noun}` : "Enter an e-mail address like name@example.com";
  }
  const between = /length must be between (\d+) and (\d+)/i.exec(text);
  const longest = /longer than maximum length (\d+)/i.exec(text);
  const shortest = /shorter than minimum length (\d+)/i.exec(text);
  if (between || longest || shortest) {
    if (empty) return `Enter ${noun}`;
    const min = between ? Number(between[1]) : shortest ? Number(shortest[1]) : 0;
    const max = between ? Number(between[2]) : longest ? Number(longest[1]) : Infinity;
    const n = value.length;
    if (n > max) return `Use at most ${max} characters (this has ${n})`;
    if (n < min) return `Use at least ${min} characters (this has ${n})`;
    return text;
  }
  if (/must be one of/i.test(text)) return "Choose one of the options";
  if (/not a valid (integer|number)/i.test(text)) return "Enter a whole number";
  if (/not a valid (date|datetime)/i.test(text)) return "Enter a date like 2026-11-29";
  return text.replace(/\.$/, "");
}

/**
 * The messages for one field as one plain sentence. name: the API's field name; control: the
 * field's input (its value decides between "Enter …" and "Use at most …"); noun: what the
 * field asks for when the form names it itself ("your e-mail address").
 */
export function humanFieldMessage(name, messages, control, noun) {
  const list = (Array.isArray(messages) ? messages : [messages]).map((m) =>
    typeof m === "string" ? m : JSON.stringify(m)
  );
  const value = control && typeof control.value === "string" ? control.value : "";
  const said = [...new Set(list.map((m) => plain(m, value, nounOf(name, noun))))];
  return `${said.join(". ")}.`;
}
