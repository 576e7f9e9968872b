// Small DOM and text helpers every part of the page uses.

export const $ = (id) => document.getElementById(id);

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value; else node.setAttribute(key, value);
  }
  node.append(...children);
  return node;
}

// "6 May 2025" for "2025-05-06", as the server labels days.
export function dayLabel(iso) {
  if (!/^\d{4}-\d{2}-\d{2}/.test(iso || "")) return iso;
  return new Date(`${iso.slice(0, 10)}T00:00:00Z`).toLocaleDateString("en-GB",
    { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
}

// The text cut after a whole word when longer than `most` characters, "…" saying so.
export function cut(text, most) {
  if (text.length <= most) return text;
  const space = text.lastIndexOf(" ", most);
  return `${text.slice(0, space > most / 2 ? space : most)}…`;
}

export function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

// A destructive action asks first, in its row: `place` puts the question there, Cancel has the
// focus and gives it back to `opener` (the button that asked), `confirm.cancel()` is Esc's.
export function askFirst({ label, question, action, place, opener, onYes }) {
  const yes = el("button", { type: "button", class: "danger" }, action);
  const no = el("button", { type: "button" }, "Cancel");
  const confirm = el("div", { class: "confirm", role: "group", "aria-label": label },
    el("span", {}, question), yes, no);
  confirm.cancel = () => { confirm.remove(); opener()?.focus(); };
  no.addEventListener("click", confirm.cancel);
  yes.addEventListener("click", () => onYes(confirm));
  place(confirm);
  no.focus();
}
