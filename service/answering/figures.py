"""Figures across sources: the amounts an answer states, beside what the other passages give
for the same quantity, with a verdict on whether they agree.

A figure is an amount (service/answering/amounts.py) with what it measures, read from its own
clause ("bilateral trade" in "In 2024, bilateral trade rose to 244.8 billion U.S. dollars"), and
the period it is for: a time its clause names ("in 2023"), or one longer than a day that the
sentence opens with ("In 2024, …"). A figure with no such period, or with only a day ("on
Tuesday"), is a level as reported (a toll, a price), read as of its article's date. Two figures
give the same quantity when they measure the same thing (one head noun, one description within
the other: "bilateral trade" and "bilateral trade between China and Russia", never "trade
target" or "exports"; "killed", "dead" and "death toll" are one), in the same kind of unit, for
the same period, or both as reported. Each group of them gets a verdict:

- `agree`: one value fits every figure within the precision each states ("nearly $250 billion"
  and "$244.8 billion");
- `update`: they differ, and come from articles of different days: the latest stands;
- `conflict`: two that differ were reported the same day (or a day unknown);
- `single`: one figure for this period, beside the same measure's figures for other periods
  (the 2023 figure kept apart from the 2024 ones).

The figures start from the answer: those its sentences state (found in the passages they cite),
then every figure in the passages for the same measure. A measure with no period for which two
figures are given is no comparison and is left out.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import date

from index import periods
from index.metadata import dateline_end
from index.models import Hit
from service.answering.amounts import Amount, overlap, read
from service.answering.citations import SentenceCheck
from service.answering.markers import without_markers
from service.answering.sentences import Span
from service.answering.words import terms

log = logging.getLogger(__name__)
AGREE, UPDATE, CONFLICT, SINGLE = "agree", "update", "conflict", "single"

_SENTENCE_END = re.compile(r"(?P<stop>[.!?][\"'”’)]*)(?:\s*\n\s*|\s+(?=[A-Z\"“‘(]))|\s*\n\s*")
# "U.S. West Texas", "Mr. Li", "Jan. 5": a stop that ends no sentence.
_ABBREVIATION = re.compile(
    r"(?:\b[A-Z]|\b(?:Mr|Mrs|Ms|Dr|St|Sr|Jr|No|Gen|Gov|Sen|Rep|Prof|Inc|Corp|Co|Ltd|vs|Jan|Feb"
    r"|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec))\.$"
)
_CLAUSE_EDGE = re.compile(r",(?!\d)|;|:|\s[-–—]+\s|[()]|\bwhile\b|\bwhereas\b")
_FIGURE_VERB = re.compile(
    r"\b(?:reach(?:ed|es|ing)?|r[io]s(?:e|es|en|ing)|fell|fall(?:s|en|ing)?|st(?:ood|ands?)"
    r"|total(?:l?ed|s|l?ing)?|was|were|is|are|hit(?:s|ting)?|climb(?:ed|s|ing)?"
    r"|drop(?:ped|s)?|jump(?:ed|s)?|increas(?:ed|es)|decreas(?:ed|es)|declin(?:ed|es)"
    r"|gr[eo]w[sn]?|amount(?:ed|s)|settl(?:ed|es)|clos(?:ed|es)|trad(?:ed|es|ing)"
    r"|end(?:ed|s)|edg(?:ed|es)|slipp(?:ed)|slips?|sli(?:d|des)|surg(?:ed|es)|soar(?:ed|s)"
    r"|plung(?:ed|es)|gain(?:ed|s)|los(?:t|es)|topp(?:ed)|tops?|exceed(?:ed|s)"
    r"|remain(?:ed|s)?|pass(?:ed|es)|hover(?:ed|s)|averag(?:ed|es)|peak(?:ed|s)"
    r"|expand(?:ed|s)|shr[ai]nk(?:s)?|contract(?:ed|s)|doubled|tripled|c[oa]me?s?\s+in"
    r"|register(?:ed|s)|record(?:ed|s)|stand|stood|mark(?:ed|s))\b",
    re.IGNORECASE,
)
_DETERMINERS = frozenset("a an the its their his her this that these those our".split())
_BOUNDARY = _DETERMINERS | frozenset(
    "of in on at to for from by with between among across during after before since and or "
    "as than which who that".split()
)
_NAME_JOINS = frozenset("of for de".split())
_ACRONYM = re.compile(r"[A-Z][A-Za-z]?[A-Z]{1,4}")  # ECB, WTI, BoE
_RELATIVE = frozenset("that which who whose where when".split())
_PRONOUNS = frozenset("it they this that which who he she we these those there".split())
# Words that say nothing of what is measured: "a record high of", "the total value of".
_GENERIC = frozenset(
    "record high low new all time level total figur number amount valu sum tune peak averag "
    "price cost annual year-on-year two both countri nation side bilater peopl person some "
    "estim nearli about around futur contract benchmark spot main key rang".split()
)
# Casualties are written many ways: "killed 42", "42 dead", "the death toll", "42 deaths".
_SAME_AS = {
    "kill": "death", "dead": "death", "die": "death", "toll": "death", "fatal": "death",
    "live": "death", "injur": "injur", "wound": "injur", "hurt": "injur",
}  # fmt: skip
_CASUALTY_VERB = re.compile(r"\b(killed|injured|wounded|left|claimed|died|hurt)\s*$", re.I)
# "kept its main interest rate at", "lowering its deposit rate to", "left rates unchanged in a
# range of": the thing set is the object, not the one who set it.
_SET_VERB = re.compile(
    r"\b(?:kept|keep(?:s|ing)?|held|hold(?:s|ing)?|left|leav(?:es|ing)|set(?:s|ting)?|cut(?:s|ting)?"
    r"|lower(?:ed|s|ing)|rais(?:ed|es|ing)|reduc(?:ed|es|ing)|lift(?:ed|s|ing)|hik(?:ed|es|ing)"
    r"|trim(?:med|s|ming))\s+(?P<object>(?:[\w'’-]+\s+){0,6}?[\w'’-]+)\s+(?:unchanged\s+)?"
    r"(?:at|to|by|(?:in|to|within)\s+(?:a|the)\s+(?:range|band)\s+of)\s*$",
    re.IGNORECASE,
)
_BASELINE = re.compile(r"\b(?:from|compared (?:with|to)|versus|vs\.?|against)\s*$", re.I)
_PARTICIPLE = re.compile(
    r"^\s+(?:were|was|have been|had been|are|remain|remained|have|had)\s+([a-z]+)", re.I
)


@dataclass(frozen=True)
class Measure:
    """What a figure measures, as written ("bilateral trade between the two countries"), with
    its head noun and content words, stemmed and with synonyms folded."""

    text: str
    head: str
    words: frozenset[str]

    def same_as(self, other: Measure) -> bool:
        """The same thing measured: one head, and one description within the other."""
        return self.head == other.head and (self.words <= other.words or other.words <= self.words)


@dataclass(frozen=True)
class FigurePeriod:
    """The days a figure is for: named in its sentence, or its article's date; `start` and
    `end` are None for a relative time an undated article names ("this year")."""

    start: date | None
    end: date | None
    text: str | None  # the words that name it; None when it is the article's date
    stated: bool  # named in the sentence (True) or the article's date (False)

    @property
    def label(self) -> str:
        if self.start is None or self.end is None:
            return f'"{self.text}" (undated article)'
        return periods.label(self.start, self.end)


@dataclass(frozen=True)
class Figure:
    amount: Amount
    measure: Measure
    period: FigurePeriod | None
    passage: int  # 1-based, as answers cite
    hit: Hit
    start: int  # offsets in the passage text: `hit.text[start:end] == amount.text`
    end: int

    @property
    def text(self) -> str:
        return self.amount.text

    @property
    def key(self) -> tuple[object, ...]:
        """Which period's group it belongs to: the period it names (longer than a day), else
        "as reported"."""
        period = self.period
        if period is None or not period.stated:
            return ("reported",)
        if period.start is None or period.end is None:
            return ("unread", self.hit.doc_id, (period.text or "").lower())
        if period.start == period.end:  # "on Tuesday": a level as reported that day
            return ("reported",)
        return ("period", period.start, period.end)


@dataclass(frozen=True)
class FigureGroup:
    """Figures for one quantity: one measure, one kind of unit, one period."""

    measure: str
    unit: str
    period: FigurePeriod | None  # None: each figure as of its article's date
    verdict: str
    note: str
    figures: list[Figure] = field(default_factory=list)


def compare(sentences: list[SentenceCheck], passages: list[Hit]) -> list[FigureGroup]:
    """The figures the answer's sentences state, and the passages' figures for the same
    measure, grouped by period, each group with its verdict; [] when no passage gives a
    second figure for a quantity the answer states. An aside: text it cannot read costs the
    answer nothing."""
    try:
        found = [f for n, hit in enumerate(passages, start=1) for f in figures_in(hit, n)]
        return [
            g
            for anchors in _by_measure(_stated(sentences, found))
            for g in _compared(anchors, found)
        ]
    except Exception:
        log.exception("figures could not be compared; the answer goes without them")
        return []


def _compared(anchors: list[Figure], found: list[Figure]) -> list[FigureGroup]:
    """The groups of one measure, when some period of it has two figures to compare."""
    same = _deduplicated([f for f in found if any(_comparable(f, a) for a in anchors)], anchors)
    groups = _groups(same, anchors)
    return groups if any(len(group.figures) >= 2 for group in groups) else []


def figures_in(hit: Hit, passage: int) -> list[Figure]:
    """Every figure in a passage whose measure can be read, with exact offsets."""
    if not read(hit.text):
        return []
    published = date.fromisoformat(hit.date) if hit.date else None
    found = []
    for span in sentences(hit.text):
        cut = dateline_end(span.text)
        sentence = span.text[cut:]
        amounts = read(sentence)
        if not amounts:
            continue
        times = _times(sentence, published)
        for amount in amounts:
            clause = _clause(sentence, (amount.start, amount.end))
            measure = measure_of(sentence, amount, clause, times)
            if measure is None:
                continue
            period = _period(times, amount, clause, sentence, published)
            at = span.start + cut + amount.start
            found.append(Figure(amount, measure, period, passage, hit, at, at + len(amount.text)))
    return found


def sentences(text: str) -> list[Span]:
    """Sentences with their exact spans, cut at a stop before a capital or a line break: all
    a figure needs of its context, at a hundredth of pysbd's cost (~2 ms a passage, which an
    answer would pay for each of its passages)."""
    spans, start = [], 0
    for edge in _SENTENCE_END.finditer(text):
        if edge["stop"] is None or not _ABBREVIATION.search(
            text, max(0, edge.start() - 5), edge.start() + 1
        ):
            spans.append(_stripped(text, start, edge.end("stop") if edge["stop"] else edge.start()))
            start = edge.end()
    spans.append(_stripped(text, start, len(text)))
    return [span for span in spans if span.text]


def _stripped(text: str, start: int, end: int) -> Span:
    piece = text[start:end]
    start += len(piece) - len(piece.lstrip())
    end -= len(piece) - len(piece.rstrip())
    return Span(start, max(start, end), text[start : max(start, end)])


# --- what a figure measures ----------------------------------------------------------------


def _clause(sentence: str, at: tuple[int, int]) -> tuple[int, int]:
    """The clause holding the span `at`: between commas, semicolons, dashes, brackets."""
    edges = list(_CLAUSE_EDGE.finditer(sentence))
    start = max((e.end() for e in edges if e.end() <= at[0]), default=0)
    end = min((e.start() for e in edges if e.start() >= at[1]), default=len(sentence))
    return start, end


def measure_of(
    sentence: str, amount: Amount, clause: tuple[int, int], times: list[periods.Period]
) -> Measure | None:
    """What the amount measures, from its clause: the noun it counts ("1,644 people killed"),
    the noun it qualifies ("a 1.9 percent year-on-year increase"), the noun it is "of" ("the
    trade target of $200 billion"), or the subject of the verb before it ("bilateral trade
    reached …"); None when none can be read."""
    before = _masked(sentence, clause[0], amount.start, times)
    after = sentence[amount.end : clause[1]]
    if _BASELINE.search(before):
        return None  # "rose from 1,002 to 1,644": the value before, not what is reported
    measure = _counted(amount.counted, before, after) if amount.counted else None
    for read_from in (_qualified, _of_noun, _object, _subject):
        if measure is None and (text := read_from(before, after)):
            measure = _measure(text)
    if measure is None and (verb := _CASUALTY_VERB.search(before)):
        measure = _measure(verb[1])  # "the quake killed 1,644"
    return measure if measure and measure.words else None  # "1,644 people": of what?


def _masked(sentence: str, start: int, end: int, times: list[periods.Period]) -> str:
    """sentence[start:end] with the times in it blanked: "Last year trade reached" -> "trade
    reached"."""
    text = list(sentence[start:end])
    for time in times:
        possessive = re.match(r"['’]s\b", sentence[time.at[1] :])  # "Friday's"
        stop = time.at[1] + (possessive.end() if possessive else 0)
        for i in range(max(time.at[0], start), min(stop, end)):
            text[i - start] = " "
    return "".join(text)


def _words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z][\w'’.-]*[\w]|[A-Za-z]", text)


def _counted(noun: str, before: str, after: str) -> Measure:
    """ "1,644 people were killed", "killed 1,644 people", "40 times" met."""
    participle = _PARTICIPLE.match(after)
    words = _words(before)
    if participle:
        return _measure(f"{noun} {participle[1]}")
    if words and (words[-1].lower().endswith("ed") or _CASUALTY_VERB.search(words[-1])):
        return _measure(f"{noun} {words[-1]}")
    if words and words[-1].lower() == "met":
        return _measure(f"{noun} met")
    return _measure(noun)


def _qualified(before: str, after: str) -> str | None:
    """ "a 1.9 percent year-on-year increase": the noun after an amount used as an adjective."""
    words = _words(before)
    if not words or words[-1].lower() not in _DETERMINERS:
        return None
    noun = []
    for word in _words(after)[:3]:
        if word.lower() in _BOUNDARY or _FIGURE_VERB.fullmatch(word):
            break
        noun.append(word)
    return " ".join(noun) or None


def _of_noun(before: str, after: str) -> str | None:
    """ "the established trade target of $200 billion"; not "a record high of"."""
    words = _words(before)
    if not words or words[-1].lower() != "of":
        return None
    noun: list[str] = []
    for word in reversed(words[:-1]):
        if word.lower() in _BOUNDARY or _FIGURE_VERB.fullmatch(word) or len(noun) == 4:
            break
        noun.insert(0, word)
    text = " ".join(noun)
    return text if _content(text) else None


def _object(before: str, after: str) -> str | None:
    """ "The Bank of England kept its main interest rate at 4%": what was kept, cut or set,
    and whose it is ("Bank of England's main interest rate", never just "rate")."""
    found = _SET_VERB.search(before)
    if found is None:
        return None
    words = _words(found["object"])
    while words and words[0].lower() in _DETERMINERS:
        words = words[1:]
    cut = next((i for i, w in enumerate(words) if w.lower() in _BOUNDARY), None)
    thing = " ".join(words[:cut])
    owner = _phrase(_words(before[: found.start()]))
    text = f"{owner}'s {thing}" if owner and thing else thing
    return text if _content(thing) else None


def _subject(before: str, after: str) -> str | None:
    """ "bilateral trade between China and Russia reached": the words before the last verb
    that gives a figure."""
    verbs = list(_FIGURE_VERB.finditer(before))
    if not verbs:
        return None
    text = _phrase(_words(before[: verbs[-1].start()]))
    return text if text and _content(text) else None


def _phrase(words: list[str]) -> str | None:
    """The noun phrase the words end a clause with: no leading "and"/"the", no relative
    clause ("the death toll from the quake that struck …"), no lone pronoun."""
    while words and words[0].lower() in _BOUNDARY | {"but", "meanwhile", "also"}:
        words = words[1:]
    relative = next((i for i, w in enumerate(words) if i and w.lower() in _RELATIVE), None)
    words = words[:relative][:10]
    if not words or (len(words) == 1 and words[0].lower() in _PRONOUNS):
        return None
    return " ".join(words)


def _content(text: str) -> set[str]:
    """Stemmed content words, names as their capitals ("#ecb"), casualty words folded, generic
    words and letters left out."""
    tokens = _initials(_words(text))
    names = {t for t in tokens if t.startswith("#")}
    words = [t for t in tokens if not t.startswith("#") and t.lower() not in _BOUNDARY]
    folded = {_SAME_AS.get(t, t) for t in terms(" ".join(words)) if len(t) > 1}
    return (folded - _GENERIC) | names


def _initials(words: list[str]) -> list[str]:
    """Names of several words, and acronyms, as their capitals: "European Central Bank" and
    "ECB" are both "#ecb", "Bank of England" and "BoE" both "#be"."""
    out: list[str] = []
    run: list[str] = []
    for word in [*(re.sub(r"['’]s$", "", w) for w in words), ""]:
        if _capitalised(word) or (run and word.lower() in _NAME_JOINS):
            run.append(word)
            continue
        while run and run[-1].lower() in _NAME_JOINS:
            word = f"{run.pop()} {word}"
        capitals = [w for w in run if _capitalised(w)]
        if len(capitals) >= 2:
            out.append("#" + "".join(w[0] for w in capitals).lower())
        elif len(run) == 1 and _ACRONYM.fullmatch(run[0]):
            out.append("#" + "".join(c for c in run[0] if c.isupper()).lower())
        else:
            out.extend(run)
        out.extend(word.split())
        run = []
    return out


def _capitalised(word: str) -> bool:
    return word[:1].isupper() and "." not in word and word.lower() not in _BOUNDARY


def _measure(text: str) -> Measure:
    return Measure(" ".join(text.split()), _head(text), frozenset(_content(text)))


def _head(text: str) -> str:
    """The noun it measures: the last content word before a preposition ("trade" in "trade
    between China and Russia"), or after "of" when that is generic ("the price of Brent")."""
    words = _words(text)
    owned = [i for i, w in enumerate(words) if w.endswith(("'s", "’s"))]
    words = words[owned[-1] + 1 :] if owned else words  # "Bank of England's main rate"
    cut = next((i for i, w in enumerate(words) if w.lower() in _BOUNDARY - _DETERMINERS), None)
    for part in (words[:cut], words[cut + 1 :] if cut is not None else []):
        content = [c for w in part for c in sorted(_content(w))]
        if content:
            return content[-1]
    return ""


# --- the period a figure is for ------------------------------------------------------------


def _times(sentence: str, published: date | None) -> list[periods.Period]:
    """The times the sentence names; in an undated article its relative ones too, unread."""
    found = periods.find(sentence, published)
    if published is None:
        placeholder = periods.find(sentence, date(2000, 1, 1))
        found += [p for p in placeholder if p.relative]
    return sorted(found, key=lambda p: p.at)


def _period(
    times: list[periods.Period],
    amount: Amount,
    clause: tuple[int, int],
    sentence: str,
    published: date | None,
) -> FigurePeriod | None:
    """The time in the amount's clause nearest it; else a period longer than a day that the
    sentence names where it states no other amount ("In 2024, trade reached …"); else its
    article's date. A day named elsewhere in the sentence ("…, officials said on Saturday")
    dates the report, not the figure."""
    own = [p for p in times if clause[0] <= p.at[0] < clause[1]]
    if not own:
        own = [p for p in times if p.end > p.start and not _holds_amount(sentence, p, amount)]
    if own:
        nearest = min(own, key=lambda p: abs(p.at[0] - amount.start))
        if nearest.relative and published is None:
            return FigurePeriod(None, None, nearest.text, stated=True)
        return FigurePeriod(nearest.start, nearest.end, nearest.text, stated=True)
    return FigurePeriod(published, published, None, stated=False) if published else None


def _holds_amount(sentence: str, period: periods.Period, amount: Amount) -> bool:
    """Whether the clause naming `period` states an amount other than `amount`."""
    start, end = _clause(sentence, period.at)
    return any(start + a.start != amount.start for a in read(sentence[start:end]))


# --- which figures, in which groups ---------------------------------------------------------


def _stated(sentences: list[SentenceCheck], found: list[Figure]) -> list[Figure]:
    """The passage figures that the answer states, in the passages its sentences cite."""
    stated: list[Figure] = []
    for sentence in sentences:
        for amount in read(without_markers(sentence.text)):
            for figure in found:
                if (
                    figure.passage in sentence.citations
                    and figure.amount.dimension == amount.dimension
                    and overlap([figure.amount, amount])
                    and figure not in stated
                ):
                    stated.append(figure)
    return stated


def _by_measure(stated: list[Figure]) -> list[list[Figure]]:
    """The stated figures, those of one measure together."""
    clusters: list[list[Figure]] = []
    for figure in stated:
        home = next((c for c in clusters if any(_comparable(figure, f) for f in c)), None)
        if home is None:
            clusters.append([figure])
        else:
            home.append(figure)
    return clusters


def _comparable(a: Figure, b: Figure) -> bool:
    return a.amount.dimension == b.amount.dimension and a.measure.same_as(b.measure)


def _deduplicated(figures: list[Figure], anchors: list[Figure]) -> list[Figure]:
    """One figure per article and period, the answer's own first: an article gives a
    quantity once (overlapping passages and a headline repeat it; a second value in the same
    article is a range's other end or a part, not another report)."""
    kept: list[Figure] = []
    for figure in sorted(figures, key=lambda f: f not in anchors):
        if not any(k.hit.doc_id == figure.hit.doc_id and k.key == figure.key for k in kept):
            kept.append(figure)
    return kept


def _groups(figures: list[Figure], anchors: list[Figure]) -> list[FigureGroup]:
    """One group per period, the answer's own first, then the latest period first."""
    keys = list(dict.fromkeys(f.key for f in figures))
    keys.sort(key=lambda key: (not any(a.key == key for a in anchors), _recency(key)))
    measure = min((f.measure.text for f in figures), key=lambda m: (len(m), m[:1].isupper()))
    groups = []
    for key in keys:
        members = sorted(
            (f for f in figures if f.key == key), key=lambda f: (f.hit.date or "9", f.passage)
        )
        verdict, note = judge(members)
        period = members[0].period if key[0] != "reported" else None
        unit = _unit(members)
        groups.append(FigureGroup(measure, unit, period, verdict, note, members))
    return groups


def _recency(key: tuple[object, ...]) -> float:
    if key[0] == "period":
        start = key[1]
        assert isinstance(start, date)
        return -start.toordinal()
    return 0.0 if key[0] == "reported" else 1.0


def _unit(figures: list[Figure]) -> str:
    units = [f.amount.unit for f in figures if f.amount.unit]
    counted = [f.amount.counted for f in figures if f.amount.counted]
    return units[0] if units else (counted[0] if counted else "")


# --- the verdict ----------------------------------------------------------------------------


def judge(figures: list[Figure]) -> tuple[str, str]:
    """The verdict on one quantity's figures, and a sentence that says it."""
    if len(figures) == 1:
        return SINGLE, f"Only {_cite(figures[0])} gives this."
    if overlap([f.amount for f in figures]):
        return AGREE, f"{_list(figures)} agree within the precision each states."
    update = _update(figures)
    same_day = next(
        (
            (a, b)
            for i, a in enumerate(figures)
            for b in figures[i + 1 :]
            if not overlap([a.amount, b.amount]) and _same_day(a, b)
        ),
        None,
    )
    if same_day is None and update:
        return UPDATE, update
    a, b = same_day or (figures[0], figures[1])
    when = f"of {_day(a.hit.date)}" if a.hit.date else "undated"
    conflict = f"Reports {when} disagree: {_cite(a)} and {_cite(b)}."
    return CONFLICT, f"{conflict} Later, {update}" if update else conflict


def _same_day(a: Figure, b: Figure) -> bool:
    """Reported the same day, or on days unknown: neither can update the other."""
    return a.hit.date is None or b.hit.date is None or a.hit.date == b.hit.date


def _update(figures: list[Figure]) -> str | None:
    """ "X (…, 30 March 2025) updates Y (…, 29 March 2025)." when a later article differs."""
    latest = max(figures, key=lambda f: f.hit.date or "")
    earlier = [f for f in figures if f.hit.date and f.hit.date < (latest.hit.date or "")]
    if not earlier:
        return None
    return f"{_cite(latest, dated=True)} updates {_list(earlier, dated=True)}."


def _cite(figure: Figure, dated: bool = False) -> str:
    source = figure.hit.source or figure.hit.title or figure.hit.doc_id
    when = f", {_day(figure.hit.date)}" if dated and figure.hit.date else ""
    return f"{figure.text} [{figure.passage}] ({source}{when})"


def _list(figures: list[Figure], dated: bool = False) -> str:
    cited = [_cite(f, dated) for f in figures]
    return cited[0] if len(cited) == 1 else f"{', '.join(cited[:-1])} and {cited[-1]}"


def _day(iso: str | None) -> str:
    day = date.fromisoformat(iso or "")
    return periods.label(day, day)
