"""Title, publication date and outlet read from an article's own header; absent means None."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

HEAD_CHARS = 1500  # header metadata sits at the top; later dates are events, not publication

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DATE_TEXT = rf"\d{{4}}-\d{{2}}-\d{{2}}|{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}"
_WRITTEN = re.compile(rf"({_MONTH})\s+(\d{{1,2}}),?\s+(\d{{4}})", re.IGNORECASE)

# " date 2025-01-26 Chinese, Russian heads of state ..." (a scraped header: date then title)
_HEADER = re.compile(r"\A\s*date[ \t]+(\d{4}-\d{2}-\d{2})[ \t]+(\S[^\n]*)", re.IGNORECASE)
# "BEIJING, May 5, 2025 /PRNewswire/ --", "BEIJING, May 6 (Xinhua) --", "WASHINGTON (AP) —"
_DATELINE = re.compile(
    rf"^[A-Z][A-Z.' -]*[A-Z.],?[ \t]+"
    rf"(?:(?P<date>{_MONTH}[ \t]+\d{{1,2}}(?:,[ \t]*\d{{4}})?)[ \t]+)?"
    r"(?:/(?P<wire>[^/\n]{2,40})/|\((?P<agency>[^)\n]{2,40})\))[ \t]*(?:--|—|–|-)",
    re.MULTILINE,
)
# "2025-05-06", "| May 6, 2025", "Xinhua | May 6, 2025", "Published: May 6, 2025" as a line
_DATE_LINE = re.compile(
    rf"^[ \t]*(?:[^|\n]{{0,40}}\||(?:published|posted|date)\b:?)?[ \t]*({_DATE_TEXT})[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
# "Xinhua | May 6, 2025", or the name on the line above a "| May 6, 2025" line
_PIPE_DATE = re.compile(rf"^(?P<name>[^|\n]*?)[ \t]*\|[ \t]*(?:{_DATE_TEXT})[ \t]*$")
_SOURCE_LABEL = re.compile(r"^[ \t]*source[ \t]*:[ \t]*(\S[^\n]*?)[ \t]*$", re.I | re.M)
_OUTLET = re.compile(r"^(?!By\b)[A-Z][\w&.'-]*(?:[ \t]+[\w&.'-]+){0,3}$")
# "7156699", "Home -", "Home > World", "| ---": page furniture, never a title
_NOISE = re.compile(r"^(?:[\W\d_]+|home(?:[ \t]*[-|>»/:].*)?)$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?][\"'”’)]?(?:\s|$)")


@dataclass(frozen=True)
class Metadata:
    """What the article says about itself; None wherever it says nothing."""

    title: str | None = None
    date: str | None = None  # ISO 8601 YYYY-MM-DD
    source: str | None = None


def extract_metadata(text: str) -> Metadata:
    """Read title, publication date and outlet from the top of an article, never guessing."""
    head = text[:HEAD_CHARS]
    return Metadata(title=find_title(head), date=find_date(head), source=find_source(head))


def parse_date(value: str) -> str | None:
    """Normalise an ISO date/datetime or 'May 6, 2025' to YYYY-MM-DD; None if not a full date."""
    value = value.strip()
    try:
        return datetime.fromisoformat(value).date().isoformat()
    except ValueError:
        pass
    match = _WRITTEN.fullmatch(value)
    return _written_date(match) if match else None


def _written_date(match: re.Match[str]) -> str | None:
    """Turn a matched 'Month D, YYYY' into ISO, rejecting impossible days like Feb 30."""
    month = _MONTHS.index(match.group(1)[:3].lower()) + 1
    try:
        return date(int(match.group(3)), month, int(match.group(2))).isoformat()
    except ValueError:
        return None


def find_date(head: str) -> str | None:
    """Publication date from the header, a dateline carrying a year, or a date-only line."""
    header = _HEADER.match(head)
    if header:
        return parse_date(header.group(1))
    dateline = _DATELINE.search(head)
    if dateline and dateline.group("date"):
        found = parse_date(dateline.group("date"))
        if found:
            return found
    date_line = _DATE_LINE.search(head)
    return parse_date(date_line.group(1)) if date_line else None


def find_source(head: str) -> str | None:
    """Outlet from a wire dateline, a 'Name | date' byline, or a 'Source:' label."""
    dateline = _DATELINE.search(head)
    if dateline:
        return (dateline.group("wire") or dateline.group("agency")).strip()
    label = _SOURCE_LABEL.search(head)
    name = _byline_name(head.splitlines()) or (label.group(1) if label else None)
    return name if name and _is_outlet(name) else None


def _byline_name(lines: list[str]) -> str | None:
    """Name beside or directly above a '| date' byline, if it looks like an outlet."""
    for i, line in enumerate(lines):
        match = _PIPE_DATE.match(line.strip())
        if not match:
            continue
        name = match.group("name") or (lines[i - 1].strip() if i else "")
        if _is_outlet(name):
            return name
    return None


def _is_outlet(name: str) -> bool:
    """A short capitalised name of one to four words, not an author's 'By ...' line."""
    return len(name) <= 40 and bool(_OUTLET.match(name))


def find_title(head: str) -> str | None:
    """The headline: the first real line at the top, if headline-shaped and followed by prose."""
    header = _HEADER.match(head)
    if header:
        title = _clean_title(header.group(2))
        return title if _is_headline(title) else None
    lines = [line.strip() for line in head.splitlines()]
    for i, line in enumerate(lines):
        if _is_furniture(line):
            continue
        title = _clean_title(line)
        if _is_headline(title) and any(_is_prose(rest) for rest in lines[i + 1 :]):
            return title
        return None  # the first real line is body text: the article has no title here
    return None


def _clean_title(line: str) -> str:
    """Drop markdown heading marks and surrounding space."""
    return line.strip().lstrip("#").strip()


def _is_furniture(line: str) -> bool:
    """Lines around a headline that are not it: blanks, ids, breadcrumbs, bylines, dates."""
    return len(line.split()) < 3 or bool(_NOISE.match(line) or _DATE_LINE.match(line))


def _is_headline(line: str) -> bool:
    """Short, several words, capitalised, no sentence-ending punctuation, not a dateline."""
    words = line.split()
    return (
        3 <= len(words) <= 30
        and len(line) <= 200
        and not line[0].islower()
        and not line.rstrip("\"'”’)").endswith((".", "!", "?", ",", ";", ":", "…"))
        and not _DATELINE.match(line)
    )


def _is_prose(line: str) -> bool:
    """A body line: a run of words containing a finished sentence."""
    return len(line.split()) >= 10 and bool(_SENTENCE_END.search(line))
