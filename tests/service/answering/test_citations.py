"""The answer check: citations must point at given passages, quotes must be verbatim."""

from __future__ import annotations

from service.answering.citations import check
from service.answering.markers import citations_in, leading_markers, without_markers
from service.answering.sentences import split, split_answer

PASSAGES = [
    "Bilateral trade reached a record high of $244.8 billion in 2024.",
    "Xi said the two countries should be \u201ctrue friends of steel\u201d.",
]


def test_citation_runs_after_a_period_belong_to_the_sentence_before() -> None:
    answer = "Trade hit $244.8 billion. [1] They are friends of steel [2]. [1]"
    assert split_answer(answer) == [
        "Trade hit $244.8 billion. [1]",
        "They are friends of steel [2]. [1]",
    ]


def test_citation_numbers_in_every_form() -> None:
    found = citations_in("a [1] b [2, 3] c [3][4] d [5; 1] e [ 6 ;7 , 8 ]")
    assert found == [1, 2, 3, 4, 5, 6, 7, 8]
    assert citations_in("no citations here, nor [a] or [] or [1.5]") == []


def test_markers_are_read_alike_wherever_they_stand() -> None:
    """One reading: a form the checker counts also moves to the sentence before and is left
    out of quotes."""
    for marker in ("[1]", "[1, 2]", "[ 1 ; 2 ]", "[1][2]"):
        assert leading_markers(f"{marker} Next.") == len(marker), marker
        assert without_markers(f'Said "so" {marker}.') == 'Said "so" .', marker
        assert split_answer(f"Trade grew. {marker} Next [2].") == [
            f"Trade grew. {marker}",
            "Next [2].",
        ]
    assert leading_markers("  [1]  [2] Next") == 10
    assert leading_markers("Next [1]") == 0 and leading_markers("[a] Next") == 0


def test_a_cited_faithful_answer_is_supported() -> None:
    checks = check(
        "Trade reached $244.8 billion in 2024 [1]. Xi spoke of friendship [2].", PASSAGES
    )
    assert [(c.citations, c.supported, c.problems) for c in checks] == [
        ((1,), True, ()),
        ((2,), True, ()),
    ]


def test_a_citation_to_a_passage_not_given_is_flagged() -> None:
    (result,) = check("Trade fell sharply [3].", PASSAGES)
    assert not result.supported and result.citations == (3,)
    assert result.problems == ("[3] is not one of the 2 passages",)


def test_a_sentence_without_citation_is_unsupported() -> None:
    first, second = check("Trade grew [1]. Relations are the best in history.", PASSAGES)
    assert first.supported and not second.supported
    assert second.problems == ("no citation",)


def test_quotes_must_be_verbatim_in_a_cited_passage() -> None:
    good, bad, elsewhere = check(
        'Xi called them "true friends of steel" [2]. '
        'Xi called them "friends forever" [2]. '
        'Trade was "a record high" [2].',
        PASSAGES,
    )
    assert good.supported
    assert not bad.supported and 'quote "friends forever"' in bad.problems[0]
    assert not elsewhere.supported  # verbatim, but in passage 1, which it does not cite


def test_curly_quotes_and_spacing_do_not_fail_a_faithful_quote() -> None:
    (result,) = check("Xi said \u201ctrue  friends of  steel\u201d [2].", PASSAGES)
    assert result.supported


def test_split_keeps_exact_spans() -> None:
    text = "  First sentence here.  Second one, with U.S. in it.\n\nThird."
    spans = split(text)
    assert [s.text for s in spans] == [
        "First sentence here.",
        "Second one, with U.S. in it.",
        "Third.",
    ]
    assert all(text[s.start : s.end] == s.text for s in spans)
