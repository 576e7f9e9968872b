// Adding documents (admin keys, or no keys configured): uploaded files or a pasted article.
import { getJSON } from "./api.js";
import { $, el, plural } from "./dom.js";
import { refreshLibrary } from "./documents.js";

function report(...lines) {
  $("add-result").replaceChildren(...lines.map((line) => el("p", {}, line)));
}

function changeSummary(body) {
  const parts = [];
  if (body.added.length) parts.push(`added ${plural(body.added.length, "document")}`);
  if (body.replaced.length) parts.push(`replaced ${body.replaced.length}`);
  if (body.unchanged.length) parts.push(`${body.unchanged.length} unchanged`);
  const done = parts.join(", ") || "nothing new";
  return `${done[0].toUpperCase()}${done.slice(1)} (${plural(body.chunks, "passage")}).`;
}

export async function uploadFiles(event) {
  event.preventDefault();
  const files = $("upload-files").files;
  if (!files.length) return;
  const form = new FormData();
  for (const file of files) form.append("files", file, file.name);
  report(`Uploading ${plural(files.length, "file")}…`);
  let body;
  try {
    body = await getJSON("/documents/upload", { method: "POST", body: form });
  } catch (failure) {
    report(`Upload failed: ${failure.message}`);
    return;
  }
  const lines = [changeSummary(body)];
  for (const file of body.files || []) {
    if (file.error) lines.push(`${file.name}: ${file.error}`);
    else lines.push(`${file.name}: ${plural(file.documents.length, "document")}`);
    for (const problem of file.problems || []) lines.push(`${file.name}: ${problem}`);
  }
  report(...lines);
  $("upload-form").reset();
  await refreshLibrary();
}

function slug(text) {
  return text.toLowerCase().normalize("NFKD").replace(/[^\p{L}\p{N}]+/gu, "-")
    .replace(/^-+|-+$/g, "").slice(0, 48).replace(/-+$/, "");
}

export async function addPasted(event) {
  event.preventDefault();
  const text = $("paste-text").value;
  if (!text.trim()) return;
  const title = $("paste-title").value.trim();
  // Ids are path segments: a slug of the title (or first words) and the time, so two pastes
  // of one title do not replace each other.
  const stem = slug(title || text.trim().split(/\s+/).slice(0, 8).join(" ")) || "pasted";
  const doc = { id: `${stem}-${Date.now().toString(36)}`, text };
  if (title) doc.title = title;
  if ($("paste-date").value) doc.date = $("paste-date").value;
  if ($("paste-source").value.trim()) doc.source = $("paste-source").value.trim();
  report("Adding…");
  try {
    report(changeSummary(await getJSON("/documents", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(doc),
    })));
  } catch (failure) {
    report(`Not added: ${failure.message}`);
    return;
  }
  $("paste-form").reset();
  await refreshLibrary();
}
