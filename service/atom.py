"""A watch's matches as an Atom feed (RFC 4287), for any feed reader."""

from __future__ import annotations

from xml.etree import ElementTree as ET

from index.watching import Match, Watch

ATOM = "http://www.w3.org/2005/Atom"


def feed(watch: Watch, matches: list[Match], base_url: str) -> bytes:
    """Newest first; each entry a cited passage: its text, the article it is from (a link to
    the article's own page when it has one, else to newsrag's copy), its span, date, source."""
    ET.register_namespace("", ATOM)
    root = ET.Element(f"{{{ATOM}}}feed")
    _text(root, "id", f"urn:newsrag:watch:{watch.id}")
    _text(root, "title", f"newsrag: {watch.name}")
    _text(root, "subtitle", f"Passages of new articles that answer: {watch.query}")
    _text(root, "updated", _time(matches[-1].seen if matches else watch.created))
    ET.SubElement(root, f"{{{ATOM}}}link", rel="self", href=f"{base_url}/watches/{watch.id}/feed")
    author = ET.SubElement(root, f"{{{ATOM}}}author")
    _text(author, "name", "newsrag")
    for match in reversed(matches):
        entry = ET.SubElement(root, f"{{{ATOM}}}entry")
        _text(entry, "id", f"urn:newsrag:match:{watch.id}:{match.id}")
        _text(entry, "title", match.title or match.text[:80])
        _text(entry, "updated", _time(match.seen))
        if match.date:
            _text(entry, "published", f"{match.date}T00:00:00Z")
        link = match.url or f"{base_url}/documents/{match.doc_id}"
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", href=link)
        cited = f"{match.doc_id} [{match.start}:{match.end}]"
        about = " · ".join(part for part in (match.date, match.source, cited) if part)
        _text(entry, "summary", match.text)
        content = _text(entry, "content", f"{match.text}\n\n— {about} (score {match.score:.3f})")
        content.set("type", "text")
        if match.source:
            source = ET.SubElement(entry, f"{{{ATOM}}}source")
            _text(source, "title", match.source)
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body


def _text(parent: ET.Element, tag: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM}}}{tag}")
    element.text = text
    return element


def _time(stamp: str) -> str:
    """RFC 3339 to the second (the matches' stamps carry microseconds)."""
    return stamp.split(".")[0].rstrip("Z") + "Z"
