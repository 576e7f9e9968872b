"""Reading rules a news editor applies before taking a sentence as the answer.

The judge (service/answering/judge.py) asks whether a sentence is about the question and holds
an answer of the wanted kind; these rules ask whether it says *the fact asked for* and not a
neighbouring one:

- the other end of a change is no answer: a pipeline's completion does not say when its
  construction began, a former ambassador is not the current one, exports are not imports;
- a role runs one way: China's ambassador to Russia is not Russia's ambassador to China;
- a name answers "which premier" or "who is the spokesman" only when the sentence gives it that
  title, and a place never answers "who";
- an amount answers "how much/many" only when it measures what was asked: a trade total is not
  an investment or an inflation rate, "two leaders" counts no documents;
- the names a question turns on must be in the passage the sentence comes from;
- the change asked about must be said: a trade figure does not date a pipeline's start, nor is
  a re-election the election won;
- an ordinal picks one of a series: "the 8th Expo" is not the 9th;
- a noun's kind is part of it: the natural gas pipeline is not the crude oil pipeline.

Each is a rule about how facts are written in news copy, not about any one question.
"""

from __future__ import annotations

import re

from service.answering.words import STOPWORDS, terms

DEMONYM = re.compile(r"(?:ese|ian|ish|ean|can)$")  # Chinese, Russian, British, Korean, American

# Each pair: a question asking about one side is not answered by a sentence saying only the
# other (stems, as words.terms gives them). The sides of a change (_CHANGES) are events news copy
# always names; a tenure's (current/former) is mostly left unsaid ("the ambassador").
_TENURE = (
    frozenset("current incumb sit now present".split()),
    frozenset("former ex previous outgo late then".split()),
)
_CHANGES = [
    (
        frozenset("begin began begun start commenc launch kick break".split()),
        frozenset("complet finish end conclud wrap".split()),
    ),
    (frozenset("import".split()), frozenset("export".split())),
    (frozenset("win won victori".split()), frozenset("lose lost defeat".split())),  # see _won
    (
        frozenset("rise rose risen grow grew grown increas climb gain surg jump".split()),
        frozenset("fall fell fallen declin drop shrink shrank decreas slump plung".split()),
    ),
]
_OPPOSITES = [*_CHANGES, _TENURE]
_PRESENT_ROLE = re.compile(r"^\s*who (?:is|are)\b", re.IGNORECASE)


# "The Aces defeated the Sun" is the Aces' win; only "was defeated", "defeated by" and the noun
# ("suffered a defeat") are a loss.
_DEFEAT_SUFFERED = re.compile(
    r"\b(?:was|were|been|being|is|are)\s+(?:\w+ly\s+)?(?:defeated|beaten)\b|\bdefeated by\b"
    r"|\bdefeats?\b",
    re.IGNORECASE,
)
_DEFEAT_INFLICTED = re.compile(r"\b(?:defeat(?:ed|ing)|beat(?:s|ing)?)\b", re.IGNORECASE)


def _won(text: str) -> str:
    """The text with a defeat inflicted said as a win and one suffered as a loss."""
    return _DEFEAT_INFLICTED.sub("won", _DEFEAT_SUFFERED.sub("lost", text))


def contradicts(question: str, sentence: str) -> bool:
    """The sentence reports the other side of what the question asks: "completed" for "when
    did construction begin", "the former ambassador" for "who is the ambassador"."""
    asked, said = terms(_won(question)), terms(_won(sentence))
    if _PRESENT_ROLE.match(question) and asked_role(question):
        asked = asked | {"current"}  # "who is the ambassador?" asks for the present holder
    for one, other in _OPPOSITES:
        for wanted, unwanted in ((one, other), (other, one)):
            if wanted & asked and not unwanted & asked and unwanted & said and not wanted & said:
                return True
    return False


# "At the beginning of 2025", "by the end of the year": a time, not a start or a finish.
_TIME_OF = re.compile(
    r"\b(?:beginning|start|end|close)\s+of\s+(?:the\s+|this\s+|last\s+|next\s+)?"
    r"(?:year|month|week|quarter|decade|century|season|day|\d{4}|january|february|march|april"
    r"|may|june|july|august|september|october|november|december)\b",
    re.IGNORECASE,
)


# A change named by a noun ("the surge", "a drop", "the start of the pandemic") is the thing
# asked about or the time of it, not the change the question asks when or who of.
_NAMED = re.compile(r"\b(?:the|a|an|its|their|his|her|this|that)\s+[\w'’-]+", re.I)
# What a question asks, as a clause: from its asking word to the next mark. "…, with the Falcons
# emerging victorious. Who did they beat?" asks of a win; "who met …, after talks began" of no
# start.
_ASKING = re.compile(r"\b(?:who(?:m|se)?|what|which|when|where|how)\b[^,;:.?!]*", re.I)
_WHEN_OR_WHO = re.compile(r"^(?:when|who|whom)\b", re.I)


def asked_clause(question: str) -> str:
    """The clause of the question's last asking sentence from its asking word on ("" for a
    statement that asks nothing: "This country went under lockdown")."""
    sentences = [s for s in re.split(r"(?<=[.?!])\s+", question) if _ASKING.search(s)]
    found = _ASKING.search(sentences[-1]) if sentences else None
    return found[0] if found else ""


def unsaid(question: str, sentence: str) -> bool:
    """The question asks when or who of one side of a change (when construction began, who won)
    and the sentence says neither side: a trade figure of 2024 does not date a pipeline's start,
    a re-election is no election won. Only the change asked about counts, not one the
    question's context tells ("Parasite became the first film to win …. Who directed it?"),
    and only "when" or "who" asks of it: "which company launched a tequila" asks a company,
    which news names in many words ("Tesla announced Tesla Tequila")."""
    clause = asked_clause(question)
    if not _WHEN_OR_WHO.match(clause):
        return False
    clause = _NAMED.sub(" ", clause)
    asked, said = terms(_won(clause)), terms(_won(_TIME_OF.sub(" ", sentence)))
    return any(
        wanted & asked and not unwanted & asked and not wanted & said
        for one, other in _CHANGES
        for wanted, unwanted in ((one, other), (other, one))
    )


ORDINAL = re.compile(
    r"\b(?:\d+(?:st|nd|rd|th)|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth"
    r"|eleventh|twelfth|(?:twen|thir|for|fif|six|seven|eigh|nine)tieth)\b",
    re.IGNORECASE,
)
_ORDINAL_WORDS = {
    word: f"{n}th"
    for n, word in enumerate(
        "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth".split(),
        start=1,
    )
}


def ordinals(text: str) -> set[str]:
    """The ordinals of a text, written alike: "fifth" and "5th" are one."""
    found = (m.lower() for m in ORDINAL.findall(text))
    return {_ORDINAL_WORDS.get(o, re.sub(r"(\d+)\D+", r"\1th", o)) for o in found}


_ADVERBIAL = ordinals("first")  # "first met", "for the first time": as often no ordinal


def _series(question: str) -> dict[str, str]:
    """Each ordinal the question asks with that picks one of a series, with the stemmed noun it
    picks: "the 9th China-Russia Expo" gives 9th -> expo, "his 10th No. 1 album" 10th -> album.
    "For the second time" says how often, not which one."""
    clause = asked_clause(question)
    start = question.rfind(clause)
    found: dict[str, str] = {}
    for m in ORDINAL.finditer(question, start, start + len(clause)) if clause else ():
        words = []
        for word in re.findall(r"[\w'’-]+", question[m.end() : m.end() + 60])[:4]:
            if word.lower() in STOPWORDS or _PHRASE_ENDS.search(word.lower()):
                break
            words.append(word)
        if words and words[0].lower() in ("time", "times"):
            continue
        found.update(
            dict.fromkeys(ordinals(m[0]) - _ADVERBIAL, "".join(terms(words[-1])) if words else "")
        )
    return found


def another_of_a_series(question: str, sentence: str) -> bool:
    """The question picks one of a series by its ordinal ("When will the 9th China-Russia Expo be
    held?") and the sentence does not say it: it speaks of another one ("the 8th Expo"), or of
    none of the series. A sentence naming the series without an ordinal may speak of this one
    ("walked away with the award for best picture" for "at the 27th Critics Choice Awards"); an
    ordinal of the question's context picks nothing ("… entered their eighth week. Which
    country …?")."""
    said, named = ordinals(sentence) - _ADVERBIAL, terms(sentence)
    return any(
        ordinal not in said and (bool(said) or noun not in named)
        for ordinal, noun in _series(question).items()
    )


# A word before a noun that says which kind of it: "gas" in "gas pipeline". Adjectives ("natural
# gas", "bilateral trade") and participles are left out: they describe, they do not sort.
_DESCRIBES = re.compile(r"(?:al|ic|ive|ous|ful|less|able|ible|ary|ern|ly|ed|ing|est|ese|ian|ish)$")


# Words before a noun that rank or pick it, not sort it: "the first meeting", "a new pipeline".
_RANKS = frozenset("other new old last next same own only main key major top latest".split())
# A definite noun phrase: a determiner, then its words up to the first word of no content or a
# mark. "The crude oil pipeline" is one pipeline; "a forever stamp" is only described.
_NOUN_PHRASE = re.compile(
    r"\b(?i:the|its|their|his|her|this|that)\s+((?:[\w'’-]+\s+){0,4}[\w'’-]+)"
)
# A noun phrase ends before a verb, an adverb or a preposition: "the crisis after", "the water
# treatment plants failed".
_PHRASE_ENDS = re.compile(
    r"(?:ed|ly|ing)$|^(?:after|before|near|over|under|about|against|among|between|during|into"
    r"|through|toward|towards|upon|within|without|since|until|amid|across|behind|beyond)$"
)


def _kinds(text: str) -> dict[str, set[str]]:
    """Each noun of `text`'s noun phrases (stemmed) with the words that sort it right before it:
    "the crude oil pipeline" gives pipelin -> {oil}."""
    found: dict[str, set[str]] = {}
    for phrase in _NOUN_PHRASE.finditer(text):
        words: list[str] = []
        for word in phrase[1].split():
            if word.lower() in STOPWORDS or (words and _PHRASE_ENDS.search(word.lower())):
                break
            words.append(word)
        for first, second in zip(words, words[1:], strict=False):
            if not (first.isalpha() and second.isalpha() and first.islower() and second.islower()):
                continue
            if _DESCRIBES.search(first) or first in _RANKS or ORDINAL.fullmatch(first):
                continue
            found.setdefault(next(iter(terms(second))), set()).update(terms(first))
    return found


def another_kind(question: str, sentence: str) -> bool:
    """The sentence's thing is another kind of the one asked: the "natural gas pipeline" is no
    answer about the "crude oil pipeline", where neither sentence nor question says the other's
    kind. The kind is the asked thing's ("When will the crude oil pipeline be completed?"), not
    that of something the question's context tells of."""
    asked, said = terms(question), terms(sentence)
    theirs = _kinds(sentence)
    return any(
        head in theirs and not kinds & said and not theirs[head] & asked
        for head, kinds in _kinds(asked_clause(question)).items()
    )


# People's roles: a name answers "which premier" only when the sentence makes it the premier.
_ROLE_WORDS = frozenset(
    "ambassador envoy consul spokesman spokeswoman spokesperson minister premier president "
    "chancellor secretary director professor scholar historian expert official analyst chair "
    "chairman chairwoman governor mayor senator ceo founder author actor actress singer "
    "rapper player coach manager judge king queen prince princess pope writer journalist "
    "economist scientist researcher lawyer head leader chief".split()
)
_WH_PHRASE = re.compile(
    r"\b(?:which|what)\s+((?:[\w'’-]+\s+){0,4}[\w'’-]+)"
    r"|\bwho\s+(?:is|was|are|were)\s+(?:the\s+)?((?:[\w'’-]+\s+){0,4}[\w'’-]+)",
    re.IGNORECASE,
)
_NOT_ROLE = re.compile(r"(?:ed|ing)$|^(?:is|was|are|were|did|does|do|has|have|had|will|to|of)$")


# Titles news copy always prints with the holder's name ("Premier Li Qiang"): for these the
# sentence must give the name the title; a descriptive role ("which singer") only when the
# sentence names the role at all.
TITLES = frozenset(
    "ambassador envoy consul spokesman spokeswoman spokesperson minister premier president "
    "chancellor secretary director chair chairman chairwoman governor mayor senator".split()
)


def asked_role(question: str) -> str | None:
    """The role a "which/who is …" question asks the holder of: "premier" in "Which Chinese
    premier …", "spokesman"; None when the phrase ends before one ("Which broadcaster
    interviewed the ambassador?")."""
    found = _WH_PHRASE.search(question)
    if not found:
        return None
    for word in (found[1] or found[2]).lower().split():
        single = word.removesuffix("s")
        if word in _ROLE_WORDS or single in _ROLE_WORDS:
            return word if word in _ROLE_WORDS else single
        if _NOT_ROLE.search(word):
            return None  # the phrase ends at its verb
    return None


_PLACE_WORDS = frozenset(
    "province city region state county island river mountain district capital republic "
    "kingdom country territory peninsula sea ocean bay valley village town".split()
)


def is_place(name: str, sentence: str) -> bool:
    """Written as a place: "Harbin, the capital of …", "Heilongjiang province", "in Moscow"."""
    if {w.lower() for w in name.split()} & _PLACE_WORDS:
        return True
    at = sentence.find(name)
    if at < 0:
        return False
    before = sentence[max(0, at - 12) : at].lower()
    after = sentence[at + len(name) : at + len(name) + 30].lower()
    if re.match(r"^\s*(?:,\s*(?:the )?capital\b|(?:province|city|region|county|state)\b)", after):
        return True
    if re.search(r"\b(?:city|town|port|province|state|region|county) of\s+$", before):
        return True  # "the U.S. city of San Francisco"
    return bool(re.search(r"\b(?:in|at|to|from|near|across|visit|visited|visiting)\s+$", before))


_HONORIFICS = frozenset("mr mrs ms dr sir dame gov sen rep gen col capt".split())


def titled(name: str, sentence: str) -> bool:
    """Written as a person: a title or a role right before the name ("Premier Li Qiang", "Mayor
    Jenny Durkan", "singer Adele")."""
    at = sentence.find(name)
    before = sentence[max(0, at - 30) : at].lower() if at > 0 else ""
    found = re.search(r"([a-z]+)\.?\s+$", before)
    return found is not None and (found[1] in _ROLE_WORDS or found[1] in _HONORIFICS)


# Titles as news copy shortens them before a name: "Gov. Ron DeSantis", "Sen. Susan Collins".
_ABBREVIATIONS = {
    "governor": "gov", "senator": "sen", "secretary": "sec", "president": "pres",
    "ambassador": "amb", "professor": "prof",
}  # fmt: skip


def holds_role(name: str, role: str, sentence: str) -> bool:
    """The sentence gives `name` the role: "Premier Li Qiang", "Foreign Ministry spokesman
    Wang Wenbin", "Zhang Hanhui, the Chinese ambassador to Russia"."""
    at = sentence.find(name)
    if at < 0:
        return False
    written = rf"(?:{role}s?|{_ABBREVIATIONS[role]}\.)" if role in _ABBREVIATIONS else rf"{role}s?"
    if re.search(rf"\b{written}(?!\w)", name.lower()):
        return True  # the role in the name as written: "Judge Amy Coney Barrett", "Florida Gov. …"
    before = sentence[max(0, at - 60) : at].lower()
    if re.search(rf"\b{written}(?:\s+[\w'’.-]+){{0,2}}\s*,?\s*$", before):
        return True  # the role right before the name
    after = sentence[at + len(name) :]
    clause = re.match(r"\s*,([^,;]*)", after)  # an appositive after it, up to the next comma
    if clause and re.search(rf"\b{role}s?\b", clause[1].lower()):
        return not re.search(r"\b(?:said|says|told|added)\b", clause[1].split(role)[0].lower())
    return False


_TO = re.compile(
    r"(?:\b([A-Z][\w-]*?)(?:['’]s)?\s+)?(?:(?:current|former|new|top)\s+)?"
    r"(?:ambassador|envoy|consul)(?:\s+of\s+([A-Z][\w-]*))?\s+to\s+(?:the\s+)?([A-Z][\w-]*)"
)


def _country(word: str | None) -> str | None:
    return word.lower()[:4] if word else None  # "Chinese" ~ "China", "Russian" ~ "Russia's"


def wrong_way(question: str, sentence: str) -> bool:
    """An envoy's direction reversed: "Chinese ambassador to Russia" for "Russia's
    ambassador to China"."""
    asked = _TO.search(question)
    if not asked:
        return False
    q_from, q_to = _country(asked[1] or asked[2]), _country(asked[3])
    for said in _TO.finditer(sentence):
        s_from, s_to = _country(said[1] or said[2]), _country(said[3])
        if s_to != q_to or (q_from and s_from and s_from != q_from):
            continue
        return False
    return bool(list(_TO.finditer(sentence)))


# What an amount must be to answer a question measuring money, a share, or a count.
_MONEY_ASKED = frozenset(
    "valu worth cost price revenu budget fund invest spend spent pay paid sale sold earn "
    "salari fine bill deal packag aid loan debt gdp profit fee wage tax trade export import "
    "financ donat rais".split()
)
_MONEY = re.compile(
    r"[$€£¥]|\b(?:dollars?|yuan|euros?|rubles?|roubles?|pounds?|yen|rupees?)\b|\d\s?bn\b",
    re.IGNORECASE,
)
PERCENT_ASKED = re.compile(
    r"\bpercent(?:age)?\b|\b(?:rate|share|proportion)\b|\bby how much\b|%", re.IGNORECASE
)
_PERCENT = re.compile(r"%|\bper ?cent\b", re.IGNORECASE)
_HOW_MUCH = re.compile(r"\bhow much\b|\bwhat (?:(?:was|is|were|are) )?(?:the )?value\b", re.I)


def measures(span: str, sentence: str, question: str, counted: str | None) -> bool:
    """The amount measures what was asked: a share for "what percentage/rate", money for
    "how much … invest/trade/cost", and for "how many documents" a count of documents (not
    "two leaders")."""
    if PERCENT_ASKED.search(question) and not re.search(r"\bhow many\b", question, re.I):
        if _PERCENT.search(span):
            return True
        if not re.search(r"\bby how much\b", question, re.I):
            return False
    if _HOW_MUCH.search(question) and terms(question) & _MONEY_ASKED and not _MONEY.search(span):
        if not re.search(r"\b(?:billion|million|trillion|bn)\b", span, re.I):
            return False
    return _counts(span, sentence, counted)


def ordinal_of(end: int, sentence: str, question: str) -> bool:
    """An ordinal answers "which edition/anniversary/trip" only when it ranks what was asked:
    a word of the question among the three after it ("the 8th China-Russia Expo" for "which
    edition of the Expo"), never another series ("his first foreign visit")."""
    following = re.findall(r"[A-Za-z][\w-]*", sentence[end:])[:3]
    return bool(terms(" ".join(following)) & terms(question))


_UNIT_END = re.compile(
    r"[$€£¥%]|\b(?:percent|per cent|billion|million|trillion|thousand|dollars|yuan|euros|rubles"
    r"|bn|times|years?|months?|weeks?|days?|hours?|km|kilometers|kilometres|miles|tons|tonnes"
    r"|people|documents|agreements)\s*$",
    re.IGNORECASE,
)


def _counts(span: str, sentence: str, counted: str | None) -> bool:
    """A bare count answers only for what it counts: the words after "two" say what."""
    at = sentence.find(span)
    following = sentence[at + len(span) :] if at >= 0 else ""
    words = re.findall(r"[A-Za-z][\w-]*", following)[:4]
    if counted is not None and (counted in terms(span) or counted in terms(" ".join(words))):
        return True  # "three times", "more than 20 bilateral cooperation documents"
    if _UNIT_END.search(span):
        return counted is None  # a measure, not a count of what "how many" asks
    head = words[0].lower() if words else ""
    return not head or head in STOPWORDS or head in _PREPOSITIONS  # "two leaders" counts leaders


_PREPOSITIONS = frozenset(
    "in on at of for from to by with during after before since until than as over under "
    "about around against between among into".split()
)
