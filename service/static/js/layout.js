// The page's panes for the screen's width: phones stack them, wide screens show three.
import { $ } from "./dom.js";

export const NARROW = window.matchMedia("(max-width: 760px)");   // one column, panels stacked
export const WIDE = window.matchMedia("(min-width: 1101px)");     // room for three panes side by side

export function setDocumentsOpen(open) {
  if (open && NARROW.matches) setFollowedOpen(false);  // a phone stacks one panel at a time
  $("documents").hidden = !open;
  $("layout").classList.toggle("with-documents", open);
  $("toggle-documents").setAttribute("aria-expanded", String(open));
}

export function setFollowedOpen(open) {
  if (open && NARROW.matches) setDocumentsOpen(false);
  $("followed").hidden = !open;
  $("layout").classList.toggle("with-followed", open);
  $("toggle-followed").setAttribute("aria-expanded", String(open));
}
