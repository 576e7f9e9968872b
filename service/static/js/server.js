// Readiness: while the server starts (503 `starting`) or is away, the header says so and the
// page polls /readyz until it answers.
import { $ } from "./dom.js";

// Says "back" when the server answers again after a failure found it away.
export const server = new EventTarget();

let readiness = null;
export function whenReady() {
  readiness ||= pollReady().finally(() => { readiness = null; });
  return readiness;
}

async function pollReady() {
  for (let delay = 500; ; delay = Math.min(delay * 1.5, 3000)) {
    try {
      const response = await fetch("/readyz", { cache: "no-store" });
      if (response.ok) { setStatus(""); return; }
      const body = await response.json().catch(() => ({}));
      if (body.status === "failed") setStatus(body.message || "The server could not start.", "down");
      else setStatus(`Starting: waiting for ${body.waiting_for || body.message || "the index"}…`, "busy");
    } catch {
      setStatus("Server unreachable; retrying…", "down");
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

export function setStatus(text, kind = "") {
  $("status").textContent = text;
  $("status").className = kind;
}

// A failure because the server is away: watch for it, then let the page refresh what is stale.
export function serverAway() {
  whenReady().then(() => server.dispatchEvent(new Event("back")));
}
