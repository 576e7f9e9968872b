"""Times named in text, each read as a span of days against the day the text was written.

"in March 2025", "the first quarter of this year", "last week", "on Thursday", "two years ago":
a question is read against the day it is asked (`as_of`), an article's sentence against the
article's date. Expressions without a year of their own ("in March", "this year", "Thursday")
are *relative*: with no day to read them against they are left out rather than guessed.

Questions lean to the past ("what happened in March?" asked in May means this March; asked in
February, last March); an article's words lean to the nearest day, after it if the sentence
speaks of the future ("will visit on Wednesday").
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache

_MONTH_NAMES = (
    r"Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?"
)
_M = rf"(?:{_MONTH_NAMES})"
# A month alone, or before a bare day, only capitalised: "may" and "march" are also verbs.
_CAP_M = rf"(?-i:{_MONTH_NAMES})"
_ORD = r"(?:st|nd|rd|th)?"
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "few": 3,
    "several": 3,
}  # fmt: skip
_COUNT = rf"(\d{{1,3}}|{'|'.join(_NUMBERS)})"
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3}
_ORDINALS |= {"fourth": 4, "4th": 4, "final": 4}
_FUTURE = re.compile(
    r"\b(?:will|shall|would|'ll|(?:is|are) (?:set |scheduled |expected |due )?to|plans? to"
    r"|upcoming|next|going to|ahead of|starting|from)\b",
    re.IGNORECASE,
)
_SENTENCE_EDGE = re.compile(r"[.!?\n]")
# A past-tense verb told with the day itself ("China on Sunday announced that Xi will visit",
# "said on Sunday"): that day is past, whatever else the sentence looks forward to.
_PAST_VERB = r"(?:said|told|(?!(?:expect|schedul|plann|slat|due|need)ed)\w+ed)"
_TOLD_AFTER = re.compile(rf"\s*,?\s*(?:\w+ly\s+)?{_PAST_VERB}\b", re.IGNORECASE)
_TOLD_BEFORE = re.compile(rf"\b{_PAST_VERB}\s+(?:on\s+)?$", re.IGNORECASE)


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    text: str  # as written
    at: tuple[int, int]  # its span in the text read
    relative: bool  # read against the day of writing: it names no year of its own

    @property
    def label(self) -> str:
        return label(self.start, self.end)


def today() -> date:
    """The day a question is asked when it names none: UTC's, for every caller alike."""
    return datetime.now(UTC).date()


def asked_on(when: date | None) -> str:
    """The ISO day a question is asked: `when`'s (a datetime's day), else today."""
    if when is None:
        return today().isoformat()
    return (when.date() if isinstance(when, datetime) else when).isoformat()


def label(start: date, end: date) -> str:
    """ "6 May 2025", "March 2025", "Q1 2024", "2024", "5–11 May 2025"."""
    if start == end:
        return f"{start.day} {calendar.month_name[start.month]} {start.year}"
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31):
        if start.year == end.year:
            return str(start.year)
        return f"{start.year}–{end.year}"
    if start.day == 1 and end == _month(end.year, end.month)[1]:
        if start.year == end.year and start.month == end.month:
            return f"{calendar.month_name[start.month]} {start.year}"
        if start.year == end.year and start.month % 3 == 1 and end.month == start.month + 2:
            return f"Q{start.month // 3 + 1} {start.year}"
    if start.year == end.year and start.month == end.month:
        return f"{start.day}–{end.day} {calendar.month_name[start.month]} {start.year}"
    return f"{label(start, start)} – {label(end, end)}"


def find(text: str, anchor: date | None, asked: bool = False) -> list[Period]:
    """Every time `text` names, in order; relative ones read against `anchor` (left out when it
    is None). `asked`: `text` is a question, which leans to the past; else each sentence leans
    by its tense."""
    found: list[tuple[int, int, Period]] = []
    clues = _Clues.of(text)
    for pattern, read, needs in _RULES:
        if not needs(clues):
            continue  # a substring test spares a scan: most rules find nothing in most text
        for match in pattern.finditer(text):
            context = _Context(match, text, anchor, asked)
            span = read(match, context)
            if span is None:
                continue
            start, end, relative = span
            # A pattern may need the word before a time to know it is one ("in March"): the
            # group "t" then holds the time itself.
            at = match.span("t") if "t" in pattern.groupindex else match.span()
            found.append(
                (at[0], at[0] - at[1], Period(start, end, text[at[0] : at[1]], at, relative))
            )
    kept: list[Period] = []
    for _, _, period in sorted(found, key=lambda item: (item[0], item[1])):
        if all(period.at[0] >= p.at[1] or period.at[1] <= p.at[0] for p in kept):
            kept.append(period)
    return sorted(kept, key=lambda p: p.at)


# Every hit of every search shows its passage's relative times, and the same passages come
# back search after search: a reading is remembered (docs/tuning.md, "A passage's relative
# times remembered"). 8,192 passages of ~1 KB hold ~10 MB.
@lru_cache(maxsize=8192)
def relative_in(text: str, published: str | None) -> tuple[Period, ...]:
    """The times in an article's `text` that need its date to be read ("this year", "on
    Thursday", "last month"), read against `published` (ISO; none without it)."""
    if published is None:
        return ()
    return tuple(p for p in find(text, date.fromisoformat(published)) if p.relative)


# --- calendar arithmetic -------------------------------------------------------------------


def _month(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _months(year: int, first: int, count: int) -> tuple[date, date]:
    return _month(year, first)[0], _month(year, first + count - 1)[1]


def _year(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def _week(day: date) -> tuple[date, date]:
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def _shift_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _unit(name: str, day: date, offset: int) -> tuple[date, date]:
    """The calendar week/month/quarter/year/decade `offset` units from the one holding `day`."""
    if name == "week":
        return _week(day + timedelta(weeks=offset))
    if name == "month":
        moved = _shift_months(day, offset)
        return _month(moved.year, moved.month)
    if name == "quarter":
        moved = _shift_months(day, 3 * offset)
        return _months(moved.year, (moved.month - 1) // 3 * 3 + 1, 3)
    if name == "decade":
        first = day.year // 10 * 10 + 10 * offset
        return date(first, 1, 1), date(first + 9, 12, 31)
    return _year(day.year + offset)


def _back(name: str, day: date, count: int) -> date:
    if name == "day":
        return day - timedelta(days=count)
    if name == "week":
        return day - timedelta(weeks=count)
    return _shift_months(day, -count * (12 if name == "year" else 1))


def _future(text: str, at: int) -> bool:
    """The sentence around `at` speaks of what is to come."""
    edges = [m.start() for m in _SENTENCE_EDGE.finditer(text, 0, at)]
    start = edges[-1] + 1 if edges else 0
    following = _SENTENCE_EDGE.search(text, at)
    return bool(_FUTURE.search(text, start, following.start() if following else len(text)))


def _told(text: str, start: int, end: int) -> bool:
    """A past-tense verb right beside the time at `start`..`end` tells when it happened."""
    return bool(_TOLD_AFTER.match(text, end)) or bool(_TOLD_BEFORE.search(text, 0, start))


def _number(word: str) -> int:
    return int(word) if word.isdigit() else _NUMBERS[word.lower()]


def _month_no(name: str) -> int:
    return ("jan feb mar apr may jun jul aug sep oct nov dec".split()).index(name[:3].lower()) + 1


def _day(year: int, month: int, day: int) -> tuple[date, date] | None:
    try:
        when = date(year, month, day)
    except ValueError:
        return None
    return when, when


# --- the rules: each a pattern and how to read a match --------------------------------------

Days = tuple[date, date]
Found = tuple[date, date, bool] | None  # first day, last day, relative
Read = Callable[[re.Match[str], "_Context"], Found]
_RULES: list[tuple[re.Pattern[str], Read, Callable[[_Clues], bool]]] = []
_FOUR_DIGITS = re.compile(r"\d{4}")
_A_MONTH = re.compile(rf"\b{_M}", re.IGNORECASE)


@dataclass(frozen=True)
class _Clues:
    """What a text holds at all, found once: a rule whose clue is missing cannot match."""

    lower: str
    year: bool  # four digits in a row
    month: bool  # a month's name

    @classmethod
    def of(cls, text: str) -> _Clues:
        return cls(text.lower(), bool(_FOUR_DIGITS.search(text)), bool(_A_MONTH.search(text)))

    def has(self, *words: str) -> bool:
        return any(word in self.lower for word in words)


@dataclass(frozen=True)
class _Context:
    match: re.Match[str]
    text: str
    anchor: date | None
    asked: bool

    def absolute(self, span: Days | None) -> Found:
        return None if span is None else (span[0], span[1], False)

    def relative(self, read: Callable[[date], Days | None]) -> Found:
        if self.anchor is None:
            return None
        span = read(self.anchor)
        return None if span is None else (span[0], span[1], True)

    def forward(self) -> bool:
        """Read a yearless date or bare weekday forward: the sentence speaks of the future."""
        if self.asked or _told(self.text, self.match.start(), self.match.end()):
            return False
        return _future(self.text, self.match.start())

    def nearest(self, candidates: list[Days]) -> Days:
        """Of the readings (in time order), the latest begun by the anchor day, or the first
        ending on or after it when read forward."""
        anchor = self.anchor
        assert anchor is not None
        if self.forward():
            return next((c for c in candidates if c[1] >= anchor), candidates[-1])
        return next((c for c in reversed(candidates) if c[0] <= anchor), candidates[0])


def _rule(pattern: str, needs: Callable[[_Clues], bool]) -> Callable[[Read], Read]:
    def register(read: Read) -> Read:
        _RULES.append((re.compile(pattern, re.IGNORECASE), read, needs))
        return read

    return register


def _yearless(
    make: Callable[[int], Days | None],
) -> Callable[[_Context], Found]:
    """A day or month without its year: the reading in the year before, of or after the anchor
    that the context points to."""

    def read(context: _Context) -> Found:
        def pick(anchor: date) -> Days | None:
            options = [make(anchor.year + delta) for delta in (-1, 0, 1)]
            found = [span for span in options if span is not None]
            return context.nearest(found) if found else None

        return context.relative(pick)

    return read


@_rule(r"\b(\d{4})-(\d{2})-(\d{2})\b", needs=lambda c: c.year and "-" in c.lower)
def _iso(m: re.Match[str], c: _Context) -> Found:
    return c.absolute(_day(int(m[1]), int(m[2]), int(m[3])))


@_rule(
    rf"\b(\d{{1,2}}){_ORD}\s+(?:of\s+)?({_M})\.?,?\s+(\d{{4}})\b",
    needs=lambda c: c.year and c.month,
)
def _day_month_year(m: re.Match[str], c: _Context) -> Found:
    return c.absolute(_day(int(m[3]), _month_no(m[2]), int(m[1])))


@_rule(rf"\b({_M})\.?\s+(\d{{1,2}}){_ORD},?\s+(\d{{4}})\b", needs=lambda c: c.year and c.month)
def _month_day_year(m: re.Match[str], c: _Context) -> Found:
    return c.absolute(_day(int(m[3]), _month_no(m[1]), int(m[2])))


@_rule(rf"\b({_M})\.?,?\s+(?:of\s+)?(\d{{4}})\b", needs=lambda c: c.year and c.month)
def _month_year(m: re.Match[str], c: _Context) -> Found:
    return c.absolute(_month(int(m[2]), _month_no(m[1])))


@_rule(rf"\b({_CAP_M})\.?\s+(\d{{1,2}}){_ORD}\b(?![.,:]?\d)", needs=lambda c: c.month)
def _month_day(m: re.Match[str], c: _Context) -> Found:
    month, day = _month_no(m[1]), int(m[2])
    return _yearless(lambda year: _day(year, month, day))(c)


@_rule(rf"\b(\d{{1,2}}){_ORD}\s+(?:of\s+)?({_CAP_M})\b", needs=lambda c: c.month)
def _day_month(m: re.Match[str], c: _Context) -> Found:
    month, day = _month_no(m[2]), int(m[1])
    return _yearless(lambda year: _day(year, month, day))(c)


# "in March", "since January", "early May": a month named after a word that makes it one
@_rule(
    r"\b(?:in|during|since|by|until|till|through|throughout|before|after|from|to|and|of|early"
    r"|late|mid-?|end of|beginning of|start of|between|last|this|next)\s+"
    rf"(?P<t>{_CAP_M})\b(?!\.?,?\s*\d)",
    needs=lambda c: c.month,
)
def _named_month(m: re.Match[str], c: _Context) -> Found:
    month = _month_no(m[1])
    word = m[0].split()[0].lower()
    if word in ("last", "this", "next"):
        offset = {"last": -1, "this": 0, "next": 1}[word]

        def read(anchor: date) -> Days:
            year = anchor.year + offset if offset else anchor.year
            if word == "last" and month < anchor.month:
                year += 1  # "last March" said in May: this year's
            if word == "next" and month > anchor.month:
                year -= 1  # "next March" said in January: this year's
            return _month(year, month)

        return c.relative(read)
    return _yearless(lambda year: _month(year, month))(c)


@_rule(
    r"\b(?:the\s+)?(first|second|third|fourth|1st|2nd|3rd|4th|final)\s+quarter"
    r"(?:\s+of)?(?:\s+(\d{4})\b|\s+(this|last|next|the)\s+year\b)?",
    needs=lambda c: c.has("quarter"),
)
def _quarter(m: re.Match[str], c: _Context) -> Found:
    return _part(m, c, 3, _ORDINALS[m[1].lower()])


@_rule(
    r"\b(?:the\s+)?(first|second|1st|2nd)\s+half(?:\s+of)?(?:\s+(\d{4})\b|\s+(this|last|next|the)\s+year\b)?",
    needs=lambda c: c.has("half"),
)
def _half(m: re.Match[str], c: _Context) -> Found:
    return _part(m, c, 6, _ORDINALS[m[1].lower()])


def _part(m: re.Match[str], c: _Context, months: int, nth: int) -> Found:
    """A quarter or half of a named year, of "this/last/next year", or of the year that the
    context points to."""
    first = (nth - 1) * months + 1
    if first > 12:
        return None
    if m[2]:
        return c.absolute(_months(int(m[2]), first, months))
    offset = {"this": 0, "the": 0, "last": -1, "next": 1}.get((m[3] or "").lower())
    if offset is not None:
        return c.relative(lambda a: _months(a.year + offset, first, months))
    return _yearless(lambda year: _months(year, first, months))(c)


@_rule(r"\b(?-i:Q)([1-4])(?:\s*|-|/|')(\d{4}|\d{2})?\b", needs=lambda c: "q" in c.lower)
def _q(m: re.Match[str], c: _Context) -> Found:
    first = (int(m[1]) - 1) * 3 + 1
    if m[2]:
        year = int(m[2]) if len(m[2]) == 4 else 2000 + int(m[2])
        return c.absolute(_months(year, first, 3))
    return _yearless(lambda year: _months(year, first, 3))(c)


@_rule(
    r"(?<![\d$€£.,/-])\b(1[89]\d\d|20\d\d)\b(?![\d%]|[.,]\d|-\d|s\b|'s\b)", needs=lambda c: c.year
)
def _a_year(m: re.Match[str], c: _Context) -> Found:
    return c.absolute(_year(int(m[1])))


@_rule(r"\b(?:the\s+)?(1[89]\d|20\d)0s\b", needs=lambda c: c.has("0s"))
def _decade(m: re.Match[str], c: _Context) -> Found:
    first = int(m[1]) * 10
    return c.absolute((date(first, 1, 1), date(first + 9, 12, 31)))


@_rule(
    r"\b(this|last|next|previous|coming|past)\s+(week|month|quarter|year|decade)\b",
    needs=lambda c: c.has("this ", "last ", "next ", "previous ", "coming ", "past "),
)
def _this_last_next(m: re.Match[str], c: _Context) -> Found:
    word, unit = m[1].lower(), m[2].lower()
    if word == "past":  # "the past week": the days up to the anchor, not last calendar week
        return c.relative(
            lambda a: (
                _back(unit if unit != "decade" else "year", a, 10 if unit == "decade" else 1),
                a,
            )
        )
    offset = {"this": 0, "last": -1, "previous": -1, "next": 1, "coming": 1}[word]
    return c.relative(lambda a: _unit(unit, a, offset))


@_rule(r"\b(earlier|later)\s+this\s+(week|month|quarter|year)\b", needs=lambda c: c.has("this "))
def _earlier_later(m: re.Match[str], c: _Context) -> Found:
    unit = m[2].lower()

    def read(anchor: date) -> Days:
        start, end = _unit(unit, anchor, 0)
        return (start, anchor) if m[1].lower() == "earlier" else (anchor, end)

    return c.relative(read)


@_rule(
    rf"\b(?:the\s+)?(?:past|last|previous)\s+{_COUNT}\s+(days?|weeks?|months?|years?)\b",
    needs=lambda c: c.has("past ", "last ", "previous "),
)
def _rolling(m: re.Match[str], c: _Context) -> Found:
    count, unit = _number(m[1]), m[2].lower().rstrip("s")
    return c.relative(lambda a: (_back(unit, a, count), a))


@_rule(rf"\b{_COUNT}\s+(days?|weeks?|months?|years?)\s+ago\b", needs=lambda c: c.has(" ago"))
def _ago(m: re.Match[str], c: _Context) -> Found:
    count, unit = _number(m[1]), m[2].lower().rstrip("s")

    def read(anchor: date) -> Days:
        then = _back(unit, anchor, count)
        return (then, then) if unit == "day" else _unit(unit, then, 0)

    return c.relative(read)


@_rule(
    r"\b(today|tonight|yesterday|tomorrow)\b",
    needs=lambda c: c.has("today", "tonight", "yesterday", "tomorrow"),
)
def _day_word(m: re.Match[str], c: _Context) -> Found:
    offset = {"today": 0, "tonight": 0, "yesterday": -1, "tomorrow": 1}[m[1].lower()]
    return c.relative(lambda a: (a + timedelta(days=offset),) * 2)


@_rule(
    rf"\b(?:(last|next|this|coming|past)\s+)?({'|'.join(_WEEKDAYS)})\b(?!s)",
    needs=lambda c: c.has(*_WEEKDAYS),
)
def _weekday(m: re.Match[str], c: _Context) -> Found:
    word, weekday = (m[1] or "").lower(), _WEEKDAYS.index(m[2].lower())

    def read(anchor: date) -> Days:
        back = (anchor.weekday() - weekday) % 7
        before = anchor - timedelta(days=back or (7 if word in ("last", "past") else 0))
        after = anchor + timedelta(days=(weekday - anchor.weekday()) % 7 or (7 if word else 0))
        if word == "this":
            day = _week(anchor)[0] + timedelta(days=weekday)
        elif word in ("next", "coming") or (not word and c.forward()):
            day = after
        else:
            day = before
        return day, day

    return c.relative(read)


# --- a question's window --------------------------------------------------------------------

_OPEN_AFTER = re.compile(r"\b(since|from|after)\s+(?:the\s+)?$", re.IGNORECASE)
_OPEN_BEFORE = re.compile(r"\b(before|until|till|by|through)\s+(?:the\s+)?$", re.IGNORECASE)
RELATIVE_REACH = 10  # years: "ten years ago" is as far back as an article's words reach here
_NOW_WORDS = frozenset({"today", "tonight"})  # "still in office today?": the present, no window


@dataclass(frozen=True)
class Window:
    """The days a question asks about; an open end is None ("since January": no end but the
    day asked; "before 2020": no start)."""

    start: date | None
    end: date | None
    text: str  # the words that named it
    topic: str  # the question without them: what to match text against

    @property
    def label(self) -> str:
        if self.start and self.end:
            return label(self.start, self.end)
        if self.start:
            return f"since {label(self.start, self.start)}"
        assert self.end is not None
        return f"until {label(self.end, self.end)}"

    def holds(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)

    def covers(self, period: Period) -> bool:
        return self.holds(period.start) and self.holds(period.end)

    def named_in(self, text: str, published: date | None) -> bool:
        """Whether `text`, written on `published`, names a time inside the window. Reading
        a passage costs about half a millisecond; a substring test rules most out first."""
        if not self._may_be_named_in(text, published):
            return False
        return any(self.covers(period) for period in find(text, published))

    def _may_be_named_in(self, text: str, published: date | None) -> bool:
        if self.start is None or self.end is None:
            return True
        if any(str(year) in text for year in range(self.start.year, self.end.year + 1)):
            return True  # absolute times name their year
        # Only times read against the article's date are left: "last month", "in March".
        return published is not None and published.year - self.end.year <= RELATIVE_REACH


def asks_about(question: str, period: Period) -> bool:
    """Whether `period` is what the question asks about rather than how it places its story.

    News questions often set the scene first: "A Banksy mural was stolen last year. Where was
    it found?", "Which group won the 2020 Nobel Peace Prize?", "after February's coup". Read
    as windows, such periods pull a question about this week's news back to the period itself
    (measured on realtimeqa: docs/tuning.md). So a period counts only in the sentence that asks,
    and not as a possessive
    ("February's") or a bare year naming a thing ("the 2020 Census")."""
    asking = _asking_sentence(question)
    if not asking[0] <= period.at[0] < asking[1]:
        return False
    after = question[period.at[1] : period.at[1] + 2]
    if after in ("'s", "’s"):
        return False
    if re.fullmatch(r"\d{4}", period.text):
        before = question[: period.at[0]].split()[-1:] or [""]
        return before[0].lower() in _YEAR_PREPOSITIONS or not _noun_follows(question, period)
    return True


_YEAR_PREPOSITIONS = frozenset(
    "in during since by until till before after of from between and to through throughout".split()
)


def _noun_follows(question: str, period: Period) -> bool:
    return bool(re.match(r"\s+[A-Za-z]", question[period.at[1] :]))


def _asking_sentence(question: str) -> tuple[int, int]:
    """The span of the sentence that asks: the last one ending in "?", else the last one."""
    edges = [0] + [m.end() for m in re.finditer(r"[.!?](?=\s+[A-Z\"“])", question)]
    spans = list(zip(edges, [*edges[1:], len(question)], strict=True))
    asking = [span for span in spans if "?" in question[span[0] : span[1]]]
    return (asking or spans)[-1]


def window(question: str, as_of: date) -> Window | None:
    """The period `question` asks about, read as of the day it is asked; None when it names
    none, only days after `as_of` (nothing published yet can report them), or only places its
    story in time (see `asks_about`)."""
    found = find(question, as_of, asked=True)
    periods = [p for p in found if p.text.lower() not in _NOW_WORDS and asks_about(question, p)]
    if not periods:
        return None
    start: date | None = min(p.start for p in periods)
    end: date | None = max(p.end for p in periods)
    first = periods[0].at[0]
    if len(periods) == 1:
        before = question[:first]
        if opened := _OPEN_AFTER.search(before):
            if opened[1].lower() == "after":
                start = periods[0].end + timedelta(days=1)
            end, first = as_of, opened.start()
        elif opened := _OPEN_BEFORE.search(before):
            if opened[1].lower() == "before":
                end = periods[0].start - timedelta(days=1)
            start, first = None, opened.start()
    if (start or as_of) > as_of or (start is None and end is not None and end > as_of):
        return None  # after the day asked ("by 2040"): nothing can have reported it yet
    if end is not None and end > as_of:
        end = as_of
    return Window(start, end, question[first : periods[-1].at[1]], _without(question, periods))


_LEAD = re.compile(
    r"\b(?:in|on|during|since|before|after|until|till|by|of|from|between|through|throughout"
    r"|and|the)\s+$",
    re.IGNORECASE,
)


def _without(question: str, periods: list[Period]) -> str:
    """The question with its periods (and the words that introduce them) cut out: "What did the
    ECB do in April 2025?" matches articles as "What did the ECB do?"; dates in the text would
    only match other dates (bylines, "| May 6, 2025")."""
    kept, at = [], 0
    for period in periods:
        head = question[at : period.at[0]]
        while lead := _LEAD.search(head):
            head = head[: lead.start()]
        kept.append(head)
        at = period.at[1]
    kept.append(question[at:])
    joined = " ".join(" ".join(kept).split()).replace(" ?", "?").replace(" ,", ",")
    return joined.strip(" ,;:") or question
