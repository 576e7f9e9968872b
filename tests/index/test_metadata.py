"""Metadata comes from the article's own header and is never guessed."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.metadata import (
    HEAD_CHARS,
    Metadata,
    extract_metadata,
    front_matter,
    parse_date,
    parse_date_or_warn,
)

SEEDS = Path(__file__).resolve().parents[2] / "seeds"

TITLE_002 = (
    "Xinhua Headlines: Xi's upcoming visit to deepen China-Russia ties, bolster global peace"
)
TITLE_003 = "Leaders eye better cooperation as nations mark 75th anniversary of ties"
TITLE_004 = "Chinese, Russian heads of state continue guiding bilateral relations toward new height"

BODY = (
    "Chinese President Xi Jinping will pay a state visit to Russia from Wednesday to Saturday, "
    "the foreign ministry said on Tuesday.\n"
)


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("000_", Metadata(title=None, date="2025-05-05", source="PRNewswire")),
        ("001_", Metadata(title=None, date=None, source=None)),
        ("002_", Metadata(title=TITLE_002, date="2025-05-06", source="Xinhua")),
        ("003_", Metadata(title=TITLE_003, date=None, source=None)),
        ("004_", Metadata(title=TITLE_004, date="2025-01-26", source=None)),
    ],
)
def test_seed_articles(prefix: str, expected: Metadata) -> None:
    (path,) = SEEDS.glob(f"{prefix}*.txt")
    assert extract_metadata(path.read_text(encoding="utf-8")) == expected


def test_prnewswire_dateline_gives_date_and_source() -> None:
    meta = extract_metadata(f"NEW YORK, Jan. 3, 2024 /PRNewswire/ -- {BODY}")
    assert meta == Metadata(title=None, date="2024-01-03", source="PRNewswire")


def test_dateline_without_year_gives_source_but_no_date() -> None:
    meta = extract_metadata(f"LONDON, May 5 (Reuters) - {BODY}")
    assert meta == Metadata(title=None, date=None, source="Reuters")


def test_agency_dateline_without_date() -> None:
    assert extract_metadata(f"WASHINGTON (AP) — {BODY}").source == "AP"


def test_impossible_dateline_date_is_dropped() -> None:
    assert extract_metadata(f"BEIJING, Feb 30, 2025 /PRNewswire/ -- {BODY}").date is None


def test_byline_on_one_line() -> None:
    meta = extract_metadata(
        f"Ministers meet in Moscow for trade talks\n\nReuters | March 3, 2025\n\n{BODY}"
    )
    assert meta == Metadata(
        title="Ministers meet in Moscow for trade talks", date="2025-03-03", source="Reuters"
    )


def test_author_byline_is_not_a_source() -> None:
    meta = extract_metadata(f"By Jane Doe | March 3, 2025\n\n{BODY}")
    assert (meta.date, meta.source) == ("2025-03-03", None)


def test_source_label() -> None:
    assert extract_metadata(f"Source: Global Times\n\n{BODY}").source == "Global Times"


def test_noise_lines_before_headline_are_skipped() -> None:
    text = f"123456\n\nHome > World -\n\nXi heads to Moscow for state visit\n\n{BODY}"
    assert extract_metadata(text).title == "Xi heads to Moscow for state visit"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(BODY + BODY, id="body paragraph first"),
        pytest.param("Xi heads to Moscow for state visit\n", id="headline with no body"),
        pytest.param(f"Xi heads to Moscow for a state visit.\n{BODY}", id="ends like a sentence"),
        pytest.param(f"Fundamental guarantee\n{BODY}", id="two-word subheading"),
        pytest.param(
            f"{BODY}\nFundamental guarantee of ties\n\n{BODY}", id="subheading after body"
        ),
    ],
)
def test_no_title_is_invented(text: str) -> None:
    assert extract_metadata(text).title is None


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param(f"The talks began on May 6, 2025 in Moscow. {BODY}", id="date inside prose"),
        pytest.param(f"In 2024 bilateral trade hit a record. {BODY} GT", id="trailing initials"),
    ],
)
def test_absent_metadata_stays_none(text: str) -> None:
    assert extract_metadata(text) == Metadata()


def test_only_the_head_is_scanned() -> None:
    text = BODY * (HEAD_CHARS // len(BODY) + 1) + "\n2025-05-06\n"
    assert extract_metadata(text).date is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-05-06", "2025-05-06"),
        ("2025-05-06T10:00:00Z", "2025-05-06"),
        ("2025-05-06T23:30:00-05:00", "2025-05-06"),  # the date as published, not UTC's
        ("May 6, 2025", "2025-05-06"),
        ("Sept. 9, 2024", "2024-09-09"),
        ("2025-02-30", None),
        ("May 6", None),
        ("yesterday", None),
    ],
)
def test_parse_date(value: str, expected: str | None) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("18/02/2025", "2025-02-18"),  # day first, as most of the world's press writes it
        ("18.02.2025", "2025-02-18"),
        ("6 May 2025", "2025-05-06"),
        ("Feb. 26, 2025", "2025-02-26"),
        ("Tue, 06 May 2025 23:30:00 -0500", "2025-05-06"),  # RFC 2822, as feeds write dates
        ("02/30/2025", None),  # month first is not guessed
        ("18/02", None),
    ],
)
def test_parse_date_formats(value: str, expected: str | None) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        pytest.param(
            "MANDALAY, Myanmar, March 28, 2025 (AP) — ",
            Metadata(date="2025-03-28", source="AP"),
            id="AP dateline with a region",
        ),
        pytest.param("PARIS (AFP) - ", Metadata(source="AFP"), id="AFP"),
        pytest.param(
            "By Jane Doe | Bloomberg | February 26, 2025\n\n",
            Metadata(date="2025-02-26", source="Bloomberg"),
            id="byline with pipes is no title",
        ),
        pytest.param(
            "*Berlin, February 23, 2025* — ",
            Metadata(date="2025-02-23"),
            id="markdown emphasis dateline",
        ),
    ],
)
def test_wire_datelines_and_bylines(head: str, expected: Metadata) -> None:
    assert extract_metadata(head + BODY) == expected


def test_front_matter_gives_metadata_and_stays_out_of_the_text() -> None:
    text = '---\ntitle: "Ice breaks early"\ndate: 2025-04-02\nsource: Harbin Daily\n---\n' + BODY
    matter = front_matter(text)
    assert matter is not None and text[matter.end :] == BODY
    assert matter.fields == {
        "title": "Ice breaks early",
        "date": "2025-04-02",
        "source": "Harbin Daily",
    }
    assert front_matter(BODY) is None and front_matter("---\nno end\n" + BODY) is None


def test_an_unreadable_given_date_is_a_warning_never_a_guess(
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert parse_date_or_warn("18/02/2025", "a.jsonl line 1") == "2025-02-18"
    assert parse_date_or_warn(None, "a.jsonl line 2") is None and not caplog.records
    assert parse_date_or_warn("someday", "a.jsonl line 3 (id 'x')") is None
    assert "a.jsonl line 3 (id 'x')" in caplog.text and "'someday'" in caplog.text
