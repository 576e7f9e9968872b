"""Does a sentence answer the question? What kind of answer is wanted, and where is it?

"supported" (service/answering/citations.py) says a sentence is quoted faithfully; this says
whether it answers what was asked. A sentence answers when it is about the question (embedding
cosine), holds an answer of the wanted kind (an amount of what is counted for "how much/many", a
date for "when", a name for "who" or "where") and names no other time than the one asked about.
A question whose names no indexed article holds ("Sergei Lavrov", "World Cup") is not answered
at all (ExtractiveAnswerer). Calibrated as the Judge says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from index import periods
from index.periods import Window
from service.answering import reading, words
from service.answering.reading import DEMONYM
from service.answering.words import STOPWORDS, terms

AMOUNT, DATE, NAME, ORDINAL = "amount", "date", "name", "ordinal"  # the kinds of answer wanted

_NUMBER_WORDS = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty"
    "|fifty|hundred|dozens?|hundreds|thousands|millions|billions"
)
# "$244.8 billion", "5.2 percent", "three times", "more than 20", "15 consecutive years"
_AMOUNT = re.compile(
    r"(?:(?:more|less|fewer) than |nearly |about |around |over |some |up to )?"
    rf"(?:[$€£¥]\s?\d(?:[\d,]*\d)?(?:\.\d+)?|\b\d(?:[\d,]*\d)?(?:\.\d+)?|\b(?:{_NUMBER_WORDS}))"
    r"(?:\s?(?:%|percent|per cent|(?:[a-z]+ )?(?:billion|million|trillion|thousand)"
    r"(?: (?:U\.S\. )?dollars| yuan| euros| rubles)?|bn|times|(?:consecutive )?years?"
    r"|months?|days?|km|kilometers|kilometres|tons|tonnes|people|documents|agreements))?",
    re.IGNORECASE,
)
_YEAR = re.compile(r"(?:1[89]|20)\d\d")
_PERCENT = re.compile(r"%|\bper ?cent\b", re.IGNORECASE)
_UNIT = re.compile(r"[$€£¥%]|[a-z]{2,}\s*$", re.IGNORECASE)
_CAPITALISED = re.compile(
    r"\b[A-Z][\w'’.-]*(?:\s+(?:(?:of|de|the|and|for|bin|al|van|von)\s+)?[A-Z][\w'’.-]*)*"
)
# Capitalised for being first in a sentence, or names of times: no answer to "who/where".
_NOT_NAMES = frozenset(
    "a an the in on at of for and but as by during after before since with from upon into onto "
    "within without between among through across about against toward towards despite "
    "following including like near per via this that these "
    "those it its he she they we i his her their our amid while when where what which who how "
    "according under over last next president prime minister premier chairman secretary "
    "ambassador spokesman spokeswoman king queen prince general mr mrs ms dr sir "
    "january february march april may june july august "
    "september october november december monday tuesday wednesday thursday friday saturday "
    "sunday".split()
)
_THE = r"(?:(?:was|is|were|are|will be) )?(?:the )?"
# Heads of "which/what …" that want a name: people, places, organisations, titled works.
_NAME_HEADS = (
    r"city|country|nation|province|region|state|capital|town|place|company|organi[sz]ation|"
    r"group|agency|ministry|party|university|newspaper|outlet|broadcaster|historian|premier|"
    r"president|leader|minister|expert|official|spokes(?:man|woman|person)|director|person|man|"
    r"woman|player|team|club|actor|actress|singer|rapper|band|author|ambassador|firm|bank|film|"
    r"movie|airline|brand|platform|chain|retailer|network|channel|app|website|newspaper|"
    r"magazine|show|series|song|album|book|novel|star|celebrity|politician|athlete|scholar|"
    r"professor|scientist|journalist|judge|senator|governor|mayor|king|queen|prince|princess|"
    r"monarch|footballer|killer|megastar|musician|artist|designer|billionaire|businessman|"
    r"entrepreneur|ceo|chancellor|secretary|park|island|court|regulator|carrier|giant|"
    r"manufacturer|maker|automaker|carmaker|supermarket|store|publication|"
    r"institute|school|college|stadium|airport"
)
# Which one in a series: "which edition/anniversary/trip" wants "8th", "75th", "11th".
_ORDINAL_HEADS = r"edition|anniversary|trip|session|term|round|interaction"
# "When" asks at the start of a question or before its verb ("When will NASA launch …"), not
# where it joins a clause: "… a gunman opened fire, when … In what city …" asks a place.
_WHEN_ASKS = (
    r"(?:^|[.?!]\s+)when\b|\bwhen (?:did|does|do|is|was|were|will|would|has|have|had|can"
    r"|could|should|are|must|might)\b"
)
# Words between "which"/"what" and the head it asks for describe the head ("which fast food
# chain"); a verb or a preposition ends the phrase: "which virus is making officials" asks a
# virus, "what item from Princess Diana's wedding" an item.
_DESCRIBED = (
    r"(?:(?!(?:is|are|was|were|be|has|have|had|did|does|do|will|would|can|could|in|of|from|to"
    r"|for|on|at|by|with|about|as|after|before)\b)[A-Za-z’'-]+ ){0,3}"
)
_WANTS = [
    (re.compile(rf"\bwhich (?:[a-z-]+ ){{0,2}}(?:{_ORDINAL_HEADS})\b"
                r"|\bwhat (?:[a-z-]+ ){0,2}(?:edition|anniversary)\b", re.I), ORDINAL),
    (re.compile(rf"\bhow (?:much|many|long|far|big|large|often)\b|\bwhat {_THE}(?:[a-z]+ )?"
                r"(?:percentage|share|number|amount|value|price|total|proportion|rate|size|cost|"
                r"figure|capacity|length|population|distance|height|weight|speed|budget|revenue|"
                r"output|volume)\b"
                r"|\bby how\b|\bby what percentage\b", re.I), AMOUNT),
    (re.compile(rf"{_WHEN_ASKS}|\bwhat {_THE}(?:date|day|year|month|time)\b|\bin which (?:year|"
                r"month)\b|\bsince when\b|\bon what (?:date|day)\b|\bon which dates?\b"
                r"|\bin what year\b|\bwhich (?:year|month|day|date)\b", re.I), DATE),
    # "who" in small letters: "WHO", the World Health Organization, asks no "who"
    (re.compile(rf"(?-i:\b[Ww]ho(?:m|se)?\b)|\bwhere\b|\b(?:which|what) {_DESCRIBED}"
                rf"(?:{_NAME_HEADS})s?\b|\bwhat {_THE}name\b", re.I), NAME),
]  # fmt: skip


# A quiz's statement names what it asks for with "this": "This state held its primary …".
_THIS_HEAD = re.compile(rf"\b(?:this|these)(?= {_DESCRIBED}(?:{_NAME_HEADS})s?\b)", re.I)


def as_asked(question: str) -> str:
    """A statement that asks by "this <kind>" ("This state held its primary elections this
    week.") as the question it is ("Which state held …"); any other question as it is."""
    if "?" in question:
        return question
    return _THIS_HEAD.sub(lambda m: "Which" if m[0][0].isupper() else "which", question, count=1)


def asks(sentence: str) -> bool:
    """The sentence asks something: a question's mark, or a word that asks."""
    return "?" in sentence or wanted(sentence) is not None


def wanted(question: str) -> str | None:
    """The kind of answer the question wants: AMOUNT, DATE, NAME, or None (what, why, how)."""
    for pattern, kind in _WANTS:
        if pattern.search(question):
            return kind
    return None


# What a "how much" question measures, when it names it: the answer must speak of it.
_FOCUS = re.compile(
    r"\bhow (?:much|many) ((?:[a-z-]+ ){0,3}[a-z-]+)"
    r"|\bwhat (?:(?:was|is|were|are) )?(?:the )?(?:[a-z]+ )?(percentage|share|capacity|length|"
    r"population|distance|height|weight|speed|budget|revenue|output|volume|price|cost|rate)\b"
    r"|\bby what (percentage)\b",
    re.IGNORECASE,
)
_AUX = frozenset("did does do is was are were has have had will would can could more less".split())
_SAME = {"percentage": "percent"}


_NAMED = re.compile(
    r"\b(?:which|what) (?:[A-Za-z-]+ ){0,2}?(city|country|province|region|state|capital|town|"
    r"place|company|organi[sz]ation|group|agency|ministry|party|university|newspaper|outlet|"
    r"broadcaster|historian|premier|president|leader|minister|expert|official|spokes(?:man|"
    r"woman|person)|director|player|team|actor|singer|author|ambassador|firm|bank|film|airline|"
    r"brand|agreement|edition|anniversary)\b|\bname of the ([a-z]+)",
    re.IGNORECASE,
)


def named_focus(question: str) -> str | None:
    """The stemmed kind of name a "which …" question wants: "premier", "film", "city"."""
    found = _NAMED.search(question)
    if not found:
        return None
    return next(iter(terms(found[1] or found[2])), None)


def focus(question: str) -> str | None:
    """The stemmed thing a "how much/many" question counts ("How many Chinese tourists
    visited…" -> tourist; "What is the annual capacity…" -> capac); None when it names none."""
    found = _FOCUS.search(question)
    if not found:
        return None
    if found[1]:  # "how many": the words up to the verb, the last of them
        words = []
        for word in found[1].lower().split():
            if word in _AUX or word.endswith("ed"):
                break
            words.append(word)
        if not words:
            return _measured(question)
        word = words[-1]
    else:
        word = (found[2] or found[3]).lower()
    return next(iter(terms(_SAME.get(word, word))), None)


# Verbs that only say an amount was reached: "how much did trade reach" measures trade.
_REACHED = frozenset(
    "reach reached total totalled totaled stand stood hit amount amounted come came grow grew "
    "rise rose increase increased fall fell drop dropped be been get got make made".split()
)


def _measured(question: str) -> str | None:
    """What "how much did/has X …" measures: the verb that says it ("invested"), or X itself
    when the verb only says it was reached ("trade" in "how much did trade reach")."""
    found = re.search(r"\bhow much \w+ (.*)", question, re.IGNORECASE)
    if not found:
        return None
    words = []
    for word in re.findall(r"[\w'’-]+", found[1]):
        if word.lower() in _REACHED or word.lower() in _PREPOSITION_STOPS:
            break
        if word.islower() and word not in STOPWORDS:
            words.append(word)
    done = [w for w in words if w.endswith("ed")]  # "invested", "spent" is irregular: the noun
    chosen = done[-1] if done else words[0] if words else None
    return next(iter(terms(chosen)), None) if chosen else None


_PREPOSITION_STOPS = frozenset("in on at of for from to by with during since".split())


_ON_A_DAY = re.compile(r"\bon (?:what|which) (?:date|day)s?\b", re.IGNORECASE)


def answer_spans(
    kind: str | None, sentence: str, question: str, published: date | None
) -> list[str]:
    """Spans of `sentence` that could answer a question wanting `kind`, best first; none the
    question already says itself, and none of the wrong sort (reading.py: an amount that
    measures something else, a place for "who", a name without the role asked about)."""
    asked = question.lower()
    if kind == AMOUNT:  # "how many documents" counts documents; "how much trade" is measured
        counted = focus(question) if re.search(r"\bhow many\b", question, re.I) else None
        found = [m.group(0).strip() for m in _AMOUNT.finditer(sentence)]
        found = [f for f in found if not _YEAR.fullmatch(f) and f.lower() not in asked]
        found = [f for f in found if reading.measures(f, sentence, question, counted)]
        share = bool(reading.PERCENT_ASKED.search(question))  # "by how much did it grow"
        # "$56.8 billion" before "56"; a share first when one is asked for
        return sorted(found, key=lambda f: (share and not _PERCENT.search(f), not _UNIT.search(f)))
    if kind == DATE:
        stated = sorted(_dates(sentence, published), key=lambda p: (p.end - p.start).days)
        if _ON_A_DAY.search(question):  # "on what date" wants the day, not "May 2024"
            stated = [p for p in stated if (p.end - p.start).days < 7]
        return [p.text for p in stated if p.text.lower() not in asked]
    if kind == ORDINAL:  # "the 8th China-Russia Expo", not "his first foreign visit"
        return [
            m[0]
            for m in reading.ORDINAL.finditer(sentence)
            if m[0].lower() not in asked and reading.ordinal_of(m.end(), sentence, question)
        ]
    if kind == NAME:
        return _names(sentence, question)
    return []


# "May 7", "7 May": a day of the calendar, a date as written whatever the year.
_CALENDAR_DAY = re.compile(
    r"(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2}(?:st|nd|rd|th)?"
    r"|\d{1,2}(?:st|nd|rd|th)? (?:of )?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*)",
    re.IGNORECASE,
)
_ANY_YEAR = date(2000, 1, 1)  # only to find a yearless day: its year is never read


def _dates(sentence: str, published: date | None) -> list[periods.Period]:
    """The times a sentence states; in an undated article also its calendar days without a year
    ("sworn in on May 7" answers "on what date"), which no date can place in a year."""
    stated = periods.find(sentence, published)
    if published is not None:
        return stated
    days = periods.find(sentence, _ANY_YEAR)
    return stated + [p for p in days if _CALENDAR_DAY.fullmatch(p.text) and p not in stated]


def _names(sentence: str, question: str) -> list[str]:
    """Names in the sentence that could answer "who/where/which X", best first."""
    asked, wanted_terms = question.lower(), terms(question)
    names = [
        name
        for m in _CAPITALISED.finditer(sentence)
        if (name := _trim(m.group(0)))
        and name.lower() not in asked
        and not terms(name) <= wanted_terms  # "China-Russia" for "… China and Russia?"
        and (m.start() > 0 or " " in m.group(0) or _starts_a_name(m.group(0), sentence[m.end() :]))
        and not (_PAIR.fullmatch(name) and _qualifies(sentence[m.end() :]))
    ]
    if re.search(r"\bwho(?:m|se)?\b", question, re.IGNORECASE):
        names = [n for n in names if not reading.is_place(n, sentence)]
    if _WHERE.search(question):  # "which city", "where": a place, never "Premier Li Qiang"
        names = _places(names, sentence, question)
    role = reading.asked_role(question)
    if role is not None and (role in reading.TITLES or role in sentence.lower()):
        names = [n for n in names if reading.holds_role(n, role, sentence)]
    named = named_focus(question)
    # "Red Silk" right after "film" for "the name of the film"; "Harbin" before "Expo"
    place = bool(_WHERE.search(question))  # "Harbin" before "Putin" for "which city"
    return sorted(
        names,
        key=lambda name: (
            not _follows(named, name, sentence),
            place and not reading.is_place(name, sentence),
            bool(terms(name) & wanted_terms),
        ),
    )


def _places(names: list[str], sentence: str, question: str) -> list[str]:
    """The names that may answer "where" or "which city/country": those the sentence writes as
    places ("in Moscow", "Harbin, the capital of …") when it writes any; otherwise any but a
    person's ("Greece is staying firm" names its country as the subject, "Premier Li Qiang" a
    person). "Kais Saied of Tunisia" names a place too, and "which country's prime minister"
    is answered by the one the sentence makes prime minister (the role, in _names)."""
    places = [n for n in names if reading.is_place(n, sentence)]
    if places or reading.asked_role(question):
        return places or names
    return [n for n in names if not reading.titled(n, sentence) or _OF_A_PLACE.search(n)]


# "China-Russia relations", "US-China trade": two names joined to qualify a noun are no name
# ("T-Mobile confirmed", "Baskin-Robbins announced" are: a verb follows).
_PAIR = re.compile(r"[A-Z][\w'’.]*-[A-Z][\w'’.]*")
_QUALIFIES = re.compile(r"\s+[a-z]")


def _qualifies(after: str) -> bool:
    """What follows a name is a noun it qualifies, not its verb."""
    return bool(_QUALIFIES.match(after)) and not _NAME_STARTS.match(after)


_OF_A_PLACE = re.compile(r"\bof [A-Z]")  # "Mayor Keisha Lance Bottoms of Atlanta"
_WHERE = re.compile(
    r"\bwhere\b|\b(?:which|what) (?:[\w'’-]+ ){0,2}(?:city|country|province|town|state|region|"
    r"capital|nation|island|place)\b",
    re.IGNORECASE,
)


# A lone capitalised first word is only a sentence's start, unless a name's verb follows it:
# "Krystal said …", "Moss testified …", "Moderna applied …" (a verb in the past: what a
# subject did).
_NAME_STARTS = re.compile(
    r"(?:['’]s\b|\s+(?:said|says|told|has|had|is|was|will|announced|became|won|testified|"
    r"received|reported|released|launched|confirmed|revealed|posted|added|also|[a-z]+ed"
    # verbs whose past is not in -ed ("Switzerland held the referendum"), and negations
    r"|made|held|took|gave|got|began|became|lost|sold|bought|paid|sent|set|found|left|brought"
    r"|kept|led|ran|saw|came|went|put|struck|chose|drew|fell|rose|grew|wrote|spoke|broke|met"
    r"|built|spent|shut|beat|hit|won|plans|wants|makes|holds|takes|gives|leads|faces|becomes"
    r"|(?:has|is|was|does|did|had|wo|ca|could|would)n['’]t)\b"
    # an appositive: "KFC, with chicken in its name, …", "Twitch, an Amazon-owned platform"
    r"|,\s+(?:which|who|whose|a|an|the|with|one of)\s)"
)
# Words that open a sentence before a comma and name nothing: "However, the company …".
_OPENERS = frozenset(
    "however meanwhile still instead yet now today yesterday tonight overall earlier later "
    "nevertheless nonetheless moreover furthermore besides otherwise thus therefore hence also "
    "indeed again afterwards afterward separately additionally initially finally first second "
    "third last next then here there so but and or recently currently previously similarly "
    "ultimately originally eventually reportedly allegedly apparently notably importantly "
    "fortunately unfortunately interestingly surprisingly specifically consequently "
    "subsequently accordingly likewise alternatively officially publicly traditionally "
    "typically usually generally historically clearly only nearly".split()
)  # not every word in -ly: "Italy went under a lockdown", "Kelly said"
# A word written with a capital inside it is a name wherever it stands: "KFC", "TikTok".
_INNER_CAPITAL = re.compile(r"\w+[A-Z]")


def _starts_a_name(word: str, after: str) -> bool:
    """A lone capitalised word that opens a sentence is a name when it is written as one
    ("KFC", "TikTok") or a name's verb or an appositive follows it ("Russia hasn't completed",
    "Australia, which has …"), not when it is an opener ("However, …")."""
    bare = word.rstrip(".,")
    if _INNER_CAPITAL.match(bare):
        return True
    if bare.lower() in _OPENERS:
        return False
    return bool(_NAME_STARTS.match(after))


def _follows(named: str | None, name: str, sentence: str) -> bool:
    """The name comes right after the kind of thing asked for: "the co-produced film Red Silk"."""
    at = sentence.find(name)
    if named is None or at < 0:
        return False
    return named in terms(" ".join(sentence[:at].split()[-2:]))


def _trim(name: str) -> str:
    """The name without the capitalised words before it ("Upon Putin's" -> "Putin"); "" for a
    demonym ("Russian"), which names no one."""
    words = name.split()
    while words and words[0].lower().rstrip(".,") in _NOT_NAMES:  # "June." ends a sentence
        words = words[1:]
    trimmed = re.sub(r"(?:['’]s?)$", "", " ".join(words).rstrip(".,"))
    return "" if " " not in trimmed and DEMONYM.search(trimmed) else trimmed


def anchor_names(question: str) -> list[str]:
    """The names and numbers the question turns on, a name whole: "Sergei Lavrov", "2022",
    "World Cup" (capitalised past the first word, or holding a digit)."""
    names: list[str] = []
    joined, end = False, 0  # the previous word was part of a name, and where it ended
    for i, found in enumerate(re.finditer(r"[\w'’.-]+", question)):
        word = found[0]
        bare = word.strip(".'’").removesuffix("'s").removesuffix("’s")
        marked = bool(bare) and bare.lower() not in _NOT_NAMES and bare.lower() not in STOPWORDS
        marked = marked and ((i > 0 and bare[0].isupper()) or any(c.isdigit() for c in bare))
        adjacent = joined and not question[end : found.start()].strip()  # no "(" or "," between
        if marked and adjacent and not any(c.isdigit() for c in bare + names[-1]):
            names[-1] = f"{names[-1]} {bare}"
        elif marked:
            names.append(bare)
        joined, end = marked and not word.endswith("."), found.end()
    return names


@dataclass(frozen=True)
class Evidence:
    """What is measured of one sentence against the question."""

    cosine: float  # meaning, by the embedding model
    kind_found: bool  # holds an answer of the wanted kind, about what is counted
    time_ok: bool  # names no time outside the period asked about
    reads_ok: bool = True  # says the fact asked for, not a neighbouring one (reading.py)


@dataclass(frozen=True)
class Judge:
    """Calibrated on a development set of 391 questions (eval/abstain-dev.jsonl's 32
    answerable and 47 unanswerable over the seeds, seeds-qa's 12, 300 realtimeqa questions as
    of their day), thresholds picked on half and checked on the other half. Shares of content
    words and of the question's names held by the passage were measured too: no threshold on
    them improved abstention F1, so they rank sentences (ExtractiveAnswerer.scores) but do not
    judge them. Cosine 0.2 (0.15-0.35 moved F1 by < 0.03): docs/retrieval-quality.md,
    "Abstention", has the results."""

    min_cosine: float = 0.2

    def answers(self, evidence: Evidence) -> bool:
        return (
            evidence.cosine >= self.min_cosine
            and evidence.kind_found
            and evidence.time_ok
            and evidence.reads_ok
        )


def measure(
    question: str, sentence: str, cosine: float, published: date | None, window: Window | None
) -> Evidence:
    """The evidence for one sentence (its article published on `published`)."""
    kind = wanted(question)
    kind_found = kind is None or bool(answer_spans(kind, sentence, question, published))
    said = terms(sentence)
    counted = focus(question) if kind == AMOUNT else None
    kind_found = kind_found and (counted is None or counted in said or "%" in sentence)
    asked = asked_part(question)  # "oil (China-Russia)?": about oil, whatever else
    kind_found = kind_found and (asked == question or bool(words.shared(asked, sentence)))
    time_ok = time_fits(sentence, published, window)
    if window is None:
        time_ok = time_ok and years_fit(question, sentence, published)
    return Evidence(cosine, kind_found, time_ok, reads(question, sentence))


def reads(question: str, sentence: str) -> bool:
    """The sentence says the fact asked for (reading.py): not the other side of a change
    ("completed" for "when did construction begin", a former ambassador for the current one),
    not a role the wrong way round."""
    asked = asked_part(question)
    return not any(
        misreads(asked, sentence)
        for misreads in (
            reading.contradicts,
            reading.wrong_way,
            reading.unsaid,
            reading.another_of_a_series,
            reading.another_kind,
        )
    )


def asked_part(question: str) -> str:
    """The question without the conversation's context a follow-up carries in brackets."""
    return re.sub(r"\s*\([^)]*\)", "", question)


def time_fits(sentence: str, published: date | None, window: Window | None) -> bool:
    """False when the question names a period and the sentence speaks only of other times:
    "In the first quarter of 2023 …" does not answer "… in 2024?". A sentence naming no time
    fits when its article is undated or dated in the period (or after it: a later report). In
    an undated article "this year" cannot be read; it fits only a period of its shape ("the
    first quarter of this year" may answer "in the first quarter of 2024", never "in 2022")."""
    if window is None:
        return True
    if _reports_on(window, published):
        return True
    stated = periods.find(sentence, published)
    if stated:
        return any(window.covers(p) or _overlaps(window, p) for p in stated)
    if published is None:
        unread = periods.find(sentence, window.end or window.start)
        grain = _window_grain(window)  # a period as long as the one asked about, or longer
        return not unread or any(grain and _grain(p.start, p.end) >= grain for p in unread)
    return window.start is None or published >= window.start


# "the 2024 election", "his 2015 visit", "Putin's 2024 visit": a year naming which event.
_NAMING_YEAR = re.compile(
    rf"(?:\b(?:the|his|her|its|their|this|that)|['’]s)\s+({_YEAR.pattern})\s+\w", re.I
)


def years_fit(question: str, sentence: str, published: date | None) -> bool:
    """A year that names what the question asks of ("Who won the 2024 election?", "his 2015
    visit") where the search read no period: a sentence stating only times outside every such
    year speaks of another event. A year of the question's context ("… his victory at the 2021
    PGA Championship. How old was he?") or a time of it ("plan to merge in 2024", which the
    sentence may say as "next year") is no such name."""
    clause = reading.asked_clause(asked_part(question))
    years = {int(y) for y in _NAMING_YEAR.findall(clause)}
    stated = periods.find(sentence, published)
    if not years or not stated:
        return True
    return any(p.start.year <= year <= p.end.year for year in years for p in stated)


def _reports_on(window: Window, published: date | None) -> bool:
    """The question asks about a few days ("this week", "on Thursday") and the article was
    published in them: it reports that news, and the other times its sentences name are the
    story's background ("has represented Wyoming since 2017", "by 2030")."""
    if published is None or window.start is None or window.end is None:
        return False
    return _grain(window.start, window.end) <= 7 and window.start <= published <= window.end


def _grain(start: date, end: date) -> int:
    """About how long a period is: a day, a week, a month, a quarter, a half, a year (days)."""
    days = (end - start).days + 1
    return min((1, 7, 31, 92, 183, 366, 3660), key=lambda grain: abs(grain - days))


def _window_grain(window: Window) -> int | None:
    if window.start is None or window.end is None:
        return None
    return _grain(window.start, window.end)


def names_time_in(sentence: str, published: date | None, window: Window) -> bool:
    """The sentence names a time inside the period asked about."""
    return any(window.covers(p) for p in periods.find(sentence, published))


def _overlaps(window: Window, period: periods.Period) -> bool:
    return (window.start is None or period.end >= window.start) and (
        window.end is None or period.start <= window.end
    )
