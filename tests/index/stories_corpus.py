"""A tiny dated corpus for stories: one earthquake reported three times (a wire rewrite and a
follow-up two days later), another earthquake elsewhere the next day, and a third quake in the
same place three weeks on: same subject, different events."""

from __future__ import annotations

from index.models import Document

REUTERS = Document(
    "quake-reuters",
    "A magnitude 7.1 earthquake struck off the coast of Hokkaido, Japan, on Monday, triggering "
    "tsunami warnings for the northern island. The Japan Meteorological Agency said waves of up "
    "to one metre could reach Kushiro.",
    title="Strong quake off Hokkaido triggers tsunami warnings",
    date="2025-03-03",
    source="Reuters",
)
AP = Document(
    "quake-ap",
    "Japan issued tsunami warnings for Hokkaido after a 7.1-magnitude quake hit off its coast on "
    "Monday. The Japan Meteorological Agency warned that waves of one metre could reach the port "
    "of Kushiro.",
    date="2025-03-03",
    source="AP",
)
KYODO = Document(
    "quake-kyodo",
    "Two days after the magnitude 7.1 earthquake off Hokkaido, residents of Kushiro began "
    "returning home as the Japan Meteorological Agency lifted its tsunami advisory. Damage to the "
    "port was limited.",
    date="2025-03-05",
    source="Kyodo",
)
PERU = Document(
    "peru-quake",
    "A magnitude 6.4 earthquake shook southern Peru on Thursday, damaging homes in Arequipa and "
    "Moquegua. Peru's civil defence institute said two people were injured.",
    date="2025-03-06",
    source="Reuters",
)
LATER = Document(
    "quake-later",
    "A magnitude 5.8 earthquake hit off Hokkaido on Thursday, the Japan Meteorological Agency "
    "said. No tsunami warning was issued for Kushiro.",
    date="2025-03-27",
    source="Kyodo",
)
HOKKAIDO = (REUTERS, AP, KYODO)
ALL = (REUTERS, AP, KYODO, PERU, LATER)
