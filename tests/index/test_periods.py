"""Times in text read as days: questions against the day asked, sentences against their
article's date."""

from __future__ import annotations

from datetime import date

import pytest

from index import periods

ASKED = date(2025, 5, 6)  # a Tuesday


@pytest.mark.parametrize(
    ("question", "start", "end"),
    [
        ("What happened in March 2025?", "2025-03-01", "2025-03-31"),
        ("What did the ECB do in April?", "2025-04-01", "2025-04-30"),
        ("What did the ECB do in June?", "2024-06-01", "2024-06-30"),  # the latest June begun
        ("How much did trade reach in the first quarter of 2024?", "2024-01-01", "2024-03-31"),
        ("Q3 2023 earnings?", "2023-07-01", "2023-09-30"),
        ("What happened in 2023?", "2023-01-01", "2023-12-31"),
        ("What happened last week?", "2025-04-28", "2025-05-04"),
        ("Who resigned this week?", "2025-05-05", "2025-05-06"),
        ("What happened yesterday?", "2025-05-05", "2025-05-05"),
        ("What has changed since January?", "2025-01-01", "2025-05-06"),
        ("Which deals were signed in the past two weeks?", "2025-04-22", "2025-05-06"),
        ("What happened between March and May 2025?", "2025-03-01", "2025-05-06"),
        ("What did Xi say on Thursday?", "2025-05-01", "2025-05-01"),
        ("What happened on May 6, 2025?", "2025-05-06", "2025-05-06"),
        ("What did the council decide on 18 February?", "2025-02-18", "2025-02-18"),
        ("What happened last year?", "2024-01-01", "2024-12-31"),
        ("Which bands were popular in the 1990s?", "1990-01-01", "1999-12-31"),
    ],
)
def test_a_question_names_a_window(question: str, start: str, end: str) -> None:
    window = periods.window(question, ASKED)
    assert window is not None
    assert (str(window.start), str(window.end)) == (start, end)


@pytest.mark.parametrize(
    "question",
    [
        "What is the latest on interest rates?",
        "Who may win the election?",  # "may" the verb is no month
        "Is he still in office today?",  # the present: the recency prior's, not a window
        "Who won the 2022 World Cup?",  # a year naming a thing
        "Which company will sell only electric cars by 2040?",  # after the day asked
        "A mural was stolen last year. Where was it found?",  # the scene, not the question
        "Which group protested after February's coup?",
        "What is the latest on the 2024 trade figures?",
    ],
)
def test_a_period_that_only_places_the_story_is_no_window(question: str) -> None:
    assert periods.window(question, ASKED) is None


def test_open_windows_say_so() -> None:
    before = periods.window("What happened before 2020?", ASKED)
    assert before is not None and before.start is None and str(before.end) == "2019-12-31"
    assert before.label == "until 31 December 2019"
    since = periods.window("What has happened since January?", ASKED)
    assert since is not None and since.text == "since January"


def test_relative_times_in_an_article_are_read_against_its_date() -> None:
    text = (
        "Xi will pay a state visit to Russia from Wednesday to Saturday. In the first quarter "
        "of this year, trade was $56.8 billion. On Thursday, Xi met Putin. Last month prices "
        "rose. He quoted a 2015 article. On January 21, 2025 they met; 5,000 people came."
    )
    found = {p.text: (p.label, p.relative) for p in periods.find(text, ASKED)}
    assert found == {
        "Wednesday": ("7 May 2025", True),  # "will": read forward
        "Saturday": ("10 May 2025", True),
        "the first quarter of this year": ("Q1 2025", True),
        "Thursday": ("1 May 2025", True),  # past tense: the Thursday before
        "Last month": ("April 2025", True),
        "2015": ("2015", False),
        "January 21, 2025": ("21 January 2025", False),
    }
    assert [p.text for p in periods.relative_in(text, None)] == []
    assert {p.text for p in periods.find(text, None)} == {"2015", "January 21, 2025"}


def test_a_yearless_date_takes_the_year_nearest_the_article() -> None:
    (late,) = periods.find("They met on December 28.", date(2025, 1, 5))
    assert late.label == "28 December 2024"


@pytest.mark.parametrize(
    ("start", "end", "label"),
    [
        ("2025-05-06", "2025-05-06", "6 May 2025"),
        ("2025-03-01", "2025-03-31", "March 2025"),
        ("2024-04-01", "2024-06-30", "Q2 2024"),
        ("2024-01-01", "2024-12-31", "2024"),
        ("2025-05-05", "2025-05-11", "5–11 May 2025"),
        ("2025-04-28", "2025-05-04", "28 April 2025 – 4 May 2025"),
    ],
)
def test_labels(start: str, end: str, label: str) -> None:
    assert periods.label(date.fromisoformat(start), date.fromisoformat(end)) == label


def test_a_passage_is_read_once_for_every_search_that_shows_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = "Harbour dues rose again last month, the port said on Tuesday."
    first = periods.relative_in(text, "2025-05-08")
    assert [(p.text, p.label) for p in first] == [
        ("last month", "April 2025"),
        ("Tuesday", "6 May 2025"),
    ]

    def unread(text: str, anchor: date | None, asked: bool = False) -> list[periods.Period]:
        raise AssertionError("read again")

    monkeypatch.setattr(periods, "find", unread)
    assert periods.relative_in(text, "2025-05-08") == first  # remembered, not read again
    with pytest.raises(AssertionError, match="read again"):  # another date is another reading
        periods.relative_in(text, "2025-06-08")
