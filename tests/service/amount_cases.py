"""Sentences of the kinds news articles write, with every amount in them as written and read:
(text, value, unit, hedged). Counts carry what they count in their text ("1,644 people") and
"" as unit. Years, days of a month and ordinals are no amounts.

tests/service/test_amounts.py holds the rule-based reader to them;
`python -m tests.service.amounts_vs_quantulum` measures quantulum3 on them beside it."""

from __future__ import annotations

Expected = tuple[str, float, str, bool]

CASES: list[tuple[str, list[Expected]]] = [
    # The seeds' trade figures.
    (
        "In 2024, bilateral trade between the two countries reached a record high of $244.8 "
        "billion, marking a 1.9 percent year-on-year increase.",
        [("$244.8 billion", 244.8e9, "USD", False), ("1.9 percent", 1.9, "%", False)],
    ),
    (
        "In 2024, bilateral trade reached nearly $250 billion, setting a new record.",
        [("nearly $250 billion", 250e9, "USD", True)],
    ),
    (
        "In 2024, bilateral trade rose to 244.8 billion U.S. dollars, making China the largest "
        "trading partner of Russia for 15 consecutive years.",
        [
            ("244.8 billion U.S. dollars", 244.8e9, "USD", False),
            ("15 consecutive years", 15, "", False),
        ],
    ),
    (
        "Bilateral trade reached a record $240 billion in 2023, achieving the established trade "
        "target of $200 billion ahead of schedule.",
        [("$240 billion", 240e9, "USD", False), ("$200 billion", 200e9, "USD", False)],
    ),
    (
        "In the first quarter of this year, bilateral trade between China and Russia reached "
        "$56.8 billion, a year-on-year increase of 5.2 percent.",
        [("$56.8 billion", 56.8e9, "USD", False), ("5.2 percent", 5.2, "%", False)],
    ),
    # Casualties.
    (
        "The death toll from Friday's earthquake in Myanmar rose to 1,644 on Saturday.",
        [("1,644", 1644, "", False)],
    ),
    (
        "The earthquake killed at least 1,002 people and injured more than 2,370.",
        [("at least 1,002 people", 1002, "", True), ("more than 2,370", 2370, "", True)],
    ),
    (
        "About 3,900 people were injured and 270 are missing, state media said.",
        [("About 3,900 people", 3900, "", True), ("270", 270, "", False)],
    ),
    (
        "Officials said 42 people died and dozens were hurt.",
        [("42 people", 42, "", False)],
    ),
    (
        "The storm left up to 12 dead across three provinces.",
        [("up to 12 dead", 12, "", True), ("three provinces", 3, "", False)],
    ),
    # Prices.
    (
        "Brent crude futures settled at $62.82 a barrel on Tuesday, down 2.2%.",
        [("$62.82 a barrel", 62.82, "USD/barrel", False), ("2.2%", 2.2, "%", False)],
    ),
    (
        "Spot gold rose 1.1% to $3,032.40 per ounce.",
        [("1.1%", 1.1, "%", False), ("$3,032.40 per ounce", 3032.4, "USD/ounce", False)],
    ),
    (
        "Gold traded at 2,350 dollars an ounce in London.",
        [("2,350 dollars an ounce", 2350, "USD/ounce", False)],
    ),
    (
        "The company raised €3.2 million and its shares closed at £4.15.",
        [("€3.2 million", 3.2e6, "EUR", False), ("£4.15", 4.15, "GBP", False)],
    ),
    (
        "Tesla agreed to pay $5bn, roughly 4 per cent of its revenue.",
        [("$5bn", 5e9, "USD", False), ("roughly 4 per cent", 4, "%", True)],
    ),
    # Rates, quantities, other currencies.
    (
        "The central bank lowered its deposit rate by 25 basis points to 2.25%.",
        [("25 basis points", 25, "", False), ("2.25%", 2.25, "%", False)],
    ),
    (
        "Unemployment rose 0.3 percentage points to 4.2 percent in March.",
        [("0.3 percentage points", 0.3, "pp", False), ("4.2 percent", 4.2, "%", False)],
    ),
    (
        "The pipeline carries 38 billion cubic meters of gas a year over 3,000 kilometers.",
        [
            ("38 billion cubic meters", 38e9, "m3", False),
            ("3,000 kilometers", 3000, "km", False),
        ],
    ),
    (
        "Retail sales reached 4.5 trillion yuan, while exports fell to 1.2 trillion rubles.",
        [
            ("4.5 trillion yuan", 4.5e12, "CNY", False),
            ("1.2 trillion rubles", 1.2e12, "RUB", False),
        ],
    ),
    (
        "The province harvested some 7.5 million tonnes of grain.",
        [("some 7.5 million tonnes", 7.5e6, "t", True)],
    ),
    # Counts in words, and numbers that are not amounts.
    (
        "In 2024, the two heads of state met three times.",
        [("three times", 3, "", False)],
    ),
    (
        "Xi and Putin have met over 40 times since 2013.",
        [("over 40 times", 40, "", True)],
    ),
    (
        "Xi will visit Russia from May 7 to 10 and attend the 80th anniversary celebrations.",
        [("10", 10, "", False)],
    ),
    (
        "The coming visit marks Xi's 11th trip to Russia, his first since March 2023.",
        [],
    ),
    (
        "The G20 met in Rio on 2025-05-06 to discuss the 2024-25 budget and COVID-19.",
        [],
    ),
    (
        "The firm cut 3,000 jobs, or 5 per cent of its workforce, by late 2025.",
        [("3,000 jobs", 3000, "", False), ("5 per cent", 5, "%", False)],
    ),
    (
        "The fund is worth almost $1.3 trillion, close to 90% of GDP.",
        [("almost $1.3 trillion", 1.3e12, "USD", True), ("close to 90%", 90, "%", True)],
    ),
    (
        "A magnitude 7.7 earthquake struck, and an aftershock followed about 12 minutes later.",
        [("7.7", 7.7, "", False), ("about 12 minutes", 12, "", True)],
    ),
    (
        "Turnover grew to HK$45.6 billion, with an estimated 120 million visitors.",
        [
            ("HK$45.6 billion", 45.6e9, "HKD", False),
            ("an estimated 120 million visitors", 120e6, "", True),
        ],
    ),
    (
        "Prices rose 3.5% year on year, less than the 4% economists expected.",
        [("3.5%", 3.5, "%", False), ("4%", 4, "%", False)],
    ),
]
