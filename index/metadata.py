"""Title, publication date and outlet read from an article's own header; absent means None."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime
from email.utils import parsedate_to_datetime

log = logging.getLogger(__name__)

HEAD_CHARS = 1500  # header metadata sits at the top; later dates are events, not publication

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DATE_TEXT = (
    rf"\d{{4}}-\d{{2}}-\d{{2}}|{_MONTH}\s+\d{{1,2}},?\s+\d{{4}}|\d{{1,2}}\s+{_MONTH}\s+\d{{4}}"
    r"|\d{1,2}[/.]\d{1,2}[/.]\d{4}"
)
_WRITTEN = re.compile(rf"({_MONTH})\s+(\d{{1,2}}),?\s+(\d{{4}})", re.IGNORECASE)
_WRITTEN_DAY_FIRST = re.compile(rf"(\d{{1,2}})\s+({_MONTH}),?\s+(\d{{4}})", re.IGNORECASE)
# 18/02/2025 and 18.02.2025 are read day first, as most of the world's press writes them.
_NUMERIC_DAY_FIRST = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")

# " date 2025-01-26 Chinese, Russian heads of state ..." (a scraped header: date then title)
_HEADER = re.compile(r"\A\s*date[ \t]+(\d{4}-\d{2}-\d{2})[ \t]+(\S[^\n]*)", re.IGNORECASE)
# "BEIJING, May 5, 2025 /PRNewswire/ --", "BEIJING, May 6 (Xinhua) --", "WASHINGTON (AP) —",
# "MANDALAY, Myanmar, March 28, 2025 (AP) —": a capitalised place (and up to two regions), an
# optional date, the wire.
_DATELINE = re.compile(
    rf"^[*_]*[A-Z][A-Z.' -]*[A-Z.](?:,[ \t]+(?!{_MONTH}\b)[A-Z][\w.' -]*?){{0,2}},?[ \t]+"
    rf"(?:(?P<date>{_MONTH}[ \t]+\d{{1,2}}(?:,[ \t]*\d{{4}})?)[ \t]+)?"
    r"(?:/(?P<wire>[^/\n]{2,40})/|\((?P<agency>[^)\n]{2,40})\))[*_]*[ \t]*(?:--|—|–|-)",
    re.MULTILINE,
)
# "Berlin, February 23, 2025 —", "*Berlin, February 23, 2025* —": a place and a full date, no wire
_PLACE_DATE = re.compile(
    rf"^[*_]*[A-Z][\w.' -]{{1,40}}?,[ \t]+(?P<date>{_MONTH}[ \t]+\d{{1,2}},[ \t]*\d{{4}})"
    r"[*_]*[ \t]*(?:--|—|–)",
    re.MULTILINE,
)
# "2025-05-06", "| May 6, 2025", "Xinhua | May 6, 2025", "Published: May 6, 2025" as a line
_DATE_LINE = re.compile(
    rf"^[ \t]*(?:(?:[^|\n]{{0,40}}\|){{1,3}}|(?:published|posted|date)\b:?)?[ \t]*({_DATE_TEXT})"
    r"[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
# "Xinhua | May 6, 2025", or the name on the line above a "| May 6, 2025" line
_PIPE_DATE = re.compile(rf"^(?P<name>[^\n]*?)[ \t]*\|[ \t]*(?:{_DATE_TEXT})[ \t]*$")
_SOURCE_LABEL = re.compile(r"^[ \t]*source[ \t]*:[ \t]*(\S[^\n]*?)[ \t]*$", re.I | re.M)
_OUTLET = re.compile(r"^(?!By\b)[A-Z][\w&.'-]*(?:[ \t]+[\w&.'-]+){0,3}$")
# "7156699", "Home -", "Home > World", "| ---": page furniture, never a title
_NOISE = re.compile(r"^(?:[\W\d_]+|home(?:[ \t]*[-|>»/:].*)?)$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?][\"'”’)]?(?:\s|$)")


# A YAML front matter block: "---" lines around "key: value" lines, at the very top.
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(?P<body>.*?)^---[ \t]*(?:\r?\n|\Z)", re.S | re.M)
_FIELD = re.compile(r"^(?P<key>[A-Za-z_][\w-]*)[ \t]*:[ \t]*(?P<value>\S.*?)[ \t]*\r?$", re.M)


@dataclass(frozen=True)
class FrontMatter:
    """The fields of a front matter block (keys lower-cased, quotes removed) and where the
    article itself starts: the stored text, which every chunk offset points into, is what
    follows the closing `---` line."""

    fields: dict[str, str]
    end: int


def front_matter(text: str) -> FrontMatter | None:
    """The leading YAML front matter of a Markdown or text article, if it has one."""
    match = _FRONT_MATTER.match(text)
    if match is None:
        return None
    fields = {
        field["key"].lower(): field["value"].strip("\"'").strip()
        for field in _FIELD.finditer(match["body"])
    }
    return FrontMatter({key: value for key, value in fields.items() if value}, match.end())


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


def dateline_end(sentence: str) -> int:
    """Where the story starts in a sentence that opens with a wire dateline ("BEIJING, May 5,
    2025 /PRNewswire/ -- Amid …"): the offset after the dash, 0 without one."""
    found = _DATELINE.match(sentence) or _PLACE_DATE.match(sentence)
    return len(sentence) - len(sentence[found.end() :].lstrip()) if found else 0


def parse_date(value: str) -> str | None:
    """YYYY-MM-DD (the day as published, in its own time zone) from an ISO date or datetime,
    'May 6, 2025', 'Feb. 26, 2025', '6 May 2025', day-first '18/02/2025' or an RFC 2822 date
    ('Tue, 06 May 2025 08:00:00 +0000', as feeds write them); None if it is not a full date."""
    value = value.strip()
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        pass
    if match := _WRITTEN.fullmatch(value):
        return _iso(match.group(3), match.group(1), match.group(2))
    if match := _WRITTEN_DAY_FIRST.fullmatch(value):
        return _iso(match.group(3), match.group(2), match.group(1))
    if match := _NUMERIC_DAY_FIRST.fullmatch(value):
        return _iso(match.group(3), match.group(2), match.group(1))
    try:
        return parsedate_to_datetime(value).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return None


def parse_date_or_warn(value: object, where: str) -> str | None:
    """`parse_date` for a date someone gave: anything unreadable is logged with where it came
    from and the value, and left out rather than guessed."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    found = parse_date(value) if isinstance(value, str) else None
    if found is None:
        log.warning("%s: unreadable date %r; left undated", where, value)
    return found


def _iso(year: str, month: str, day: str) -> str | None:
    """ISO from parts (a month by number or name), rejecting impossible days like Feb 30."""
    number = int(month) if month.isdigit() else _MONTHS.index(month[:3].lower()) + 1
    try:
        return date(int(year), number, int(day)).isoformat()
    except ValueError:
        return None


def find_date(head: str) -> str | None:
    """Publication date from the header, a dateline carrying a year, or a date-only line."""
    header = _HEADER.match(head)
    if header:
        return parse_date(header.group(1))
    for line in (_DATELINE.search(head), _PLACE_DATE.search(head)):
        if line and line.group("date") and (found := parse_date(line.group("date"))):
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
    """The outlet in a 'Name | date' byline ('By Jane Doe | Bloomberg | Feb 26, 2025': the part
    that is not the author), or on the line directly above a '| date' one."""
    for i, line in enumerate(lines):
        match = _PIPE_DATE.match(line.strip())
        if not match:
            continue
        parts = [part.strip() for part in match.group("name").split("|")]
        names = [part for part in parts if part] or [lines[i - 1].strip() if i else ""]
        outlets = [name for name in names if _is_outlet(name)]
        if outlets:
            return outlets[-1]
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
