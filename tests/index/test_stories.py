"""Stories: articles reporting one event grouped as they arrive, with the real model on tiny
corpora (tests/index/stories_corpus.py and the seeds), on both backends."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from index.corpus.base import CorpusSettings
from index.corpus.records import SqliteState
from index.embedding import Embedder
from index.filters import Filters
from index.models import Document
from index.newsindex import NewsIndex
from index.stories import Placement, Story
from index.stories.matching import Matching, Sketch, days_outside, is_copy, score
from index.stories.names import names
from index.stories.records import MEMBER, STORY, StoryRecords
from tests.index.stories_corpus import ALL, AP, HOKKAIDO, KYODO, LATER, PERU, REUTERS
from tests.milvus_fixture import on_milvus


def written(index: NewsIndex, docs: Sequence[Document]) -> dict[str, str]:
    """Writes `docs` one at a time, as news arrives; each document's story once grouped."""
    for doc in docs:
        index.upsert([doc])
    assert index.stories.wait(60)
    return index.stories.stories_of(doc.id for doc in docs)


@pytest.fixture
def quakes(embedder: Embedder, tmp_path: Path) -> Iterator[NewsIndex]:
    index = NewsIndex(tmp_path / "index", embedder)
    written(index, ALL)
    yield index
    index.close()


def test_rewritten_copies_and_a_follow_up_are_one_story(quakes: NewsIndex) -> None:
    story_of = quakes.stories.stories_of(d.id for d in ALL)
    assert story_of["quake-reuters"] == story_of["quake-ap"] == story_of["quake-kyodo"]
    story = quakes.stories.story(story_of["quake-reuters"])
    assert story is not None
    assert [m.doc_id for m in story.members] == ["quake-ap", "quake-reuters", "quake-kyodo"]
    assert story.sources == ["AP", "Reuters", "Kyodo"]
    assert (story.first_seen, story.last_updated) == ("2025-03-03", "2025-03-05")
    assert story.label_doc in {"quake-reuters", "quake-ap"}  # a report, not the follow-up


def test_another_event_of_the_same_kind_is_another_story(quakes: NewsIndex) -> None:
    """Peru's quake the next day, and Hokkaido's next quake three weeks on (nearly the same
    words, outside the window): three stories, not one."""
    story_of = quakes.stories.stories_of(d.id for d in ALL)
    assert len({story_of[d.id] for d in ALL}) == 3
    assert story_of["peru-quake"] != story_of["quake-reuters"] != story_of["quake-later"]


def test_the_seeds_wire_story_is_one_story_and_other_visits_are_not(
    seeds_index: NewsIndex,
) -> None:
    """PRNewswire (5 May 2025) and Xinhua (6 May) on Xi's coming state visit: one story.
    Putin's 2024 visit (undated) and January's video call are other events, and the undated
    report of the Kremlin talks, not a copy of either, stays alone."""
    assert seeds_index.stories.wait(60)
    seeds = ["000_00c3ffa30793be7d", "001_3086c8488f3bd921", "002_113f3f2605a1e54b"]
    seeds += ["003_c375723cb7de71fb", "004_a9ab18c2244b8c8e"]
    story_of = seeds_index.stories.stories_of(seeds)
    assert story_of[seeds[0]] == story_of[seeds[2]]
    assert len(set(story_of.values())) == 4
    story = seeds_index.stories.story(story_of[seeds[0]])
    assert story is not None and story.sources == ["PRNewswire", "Xinhua"]


def test_an_article_arriving_moves_no_other(quakes: NewsIndex) -> None:
    before = quakes.stories.stories_of(d.id for d in ALL)
    more = Document(
        "quake-nhk",
        "NHK said the tsunami that followed Monday's magnitude 7.1 earthquake off Hokkaido "
        "reached Kushiro at 40 centimetres, below the Japan Meteorological Agency's forecast.",
        date="2025-03-04",
        source="NHK",
    )
    after = written(quakes, [more]) | quakes.stories.stories_of(d.id for d in ALL)
    assert {d.id: after[d.id] for d in ALL} == before
    assert after["quake-nhk"] == before["quake-reuters"]


def test_what_a_watch_hears_right_after_a_write(embedder: Embedder, tmp_path: Path) -> None:
    heard: list[Placement] = []

    class Watch:
        def grouped(self, placements: Sequence[Placement]) -> None:
            heard.extend(placements)

    index = NewsIndex(tmp_path / "index", embedder)
    index.stories.listen(Watch())
    try:
        written(index, [REUTERS, AP])
        first, second = heard
        assert first.new_story and not second.new_story
        assert first.story_id == second.story_id == index.stories.story_of("quake-ap")
        index.delete("quake-ap")
        assert index.stories.wait(60)
        assert heard[-1] == Placement("quake-ap", None, False, first.story_id)
    finally:
        index.close()


def test_deletes_shrink_a_story_and_an_emptied_one_disappears(quakes: NewsIndex) -> None:
    story_id = quakes.stories.story_of("quake-reuters")
    assert story_id is not None
    for doc in (AP, REUTERS):
        quakes.delete(doc.id)
    assert quakes.stories.wait(60)
    left = quakes.stories.story(story_id)
    assert left is not None and [m.doc_id for m in left.members] == ["quake-kyodo"]
    assert (left.label_doc, left.first_seen) == ("quake-kyodo", "2025-03-05")
    quakes.delete("quake-kyodo")
    assert quakes.stories.wait(60)
    assert quakes.stories.story(story_id) is None
    assert quakes.stories.story_of("quake-kyodo") is None
    assert story_id not in {s.id for s in quakes.stories.recent()}


def test_a_replaced_article_keeps_its_story_or_changes_it(quakes: NewsIndex) -> None:
    story_of = quakes.stories.stories_of(d.id for d in ALL)
    corrected = replace(KYODO, text=KYODO.text + " Two people were slightly hurt.")
    unrelated = replace(AP, text=PERU.text.replace("Peru", "Chile"), date="2025-03-20")
    after = written(quakes, [corrected, unrelated])
    assert after["quake-kyodo"] == story_of["quake-kyodo"]
    assert after["quake-ap"] not in set(story_of.values())
    alone = replace(LATER, text=LATER.text + " Trains ran on time.")  # alone before and after
    assert written(quakes, [alone])["quake-later"] == story_of["quake-later"]


def test_without_a_date_only_a_copy_joins(quakes: NewsIndex) -> None:
    copy = Document("quake-copy", REUTERS.text, source="Wire")
    rewrite = Document(
        "quake-rewrite",
        "Residents of the port city of Kushiro on Hokkaido went back home after Japanese "
        "forecasters lifted the tsunami advisory issued when the strong quake hit.",
    )
    story_of = written(quakes, [copy, rewrite])
    assert story_of["quake-copy"] == quakes.stories.story_of("quake-reuters")
    assert story_of["quake-rewrite"] != story_of["quake-copy"]


def test_hits_carry_their_story_and_fold_by_it(quakes: NewsIndex) -> None:
    query = "tsunami warning after the Hokkaido earthquake"
    hits = quakes.search(query, 5).hits
    story_of = quakes.stories.stories_of(d.id for d in ALL)
    assert [h.story_id for h in hits] == [story_of[h.doc_id] for h in hits]
    folded = quakes.search(query, 3, stories=True).hits
    assert [h.rank for h in folded] == [1, 2, 3] and len({h.story_id for h in folded}) == 3
    top = next(h for h in folded if h.story_id == story_of["quake-ap"])
    assert {r.doc_id for r in top.also_reported_by} | {top.doc_id} == {d.id for d in HOKKAIDO}
    as_of = quakes.search(query, 3, Filters(as_of="2025-03-04"), stories=True).hits
    assert len(as_of) == 1 and as_of[0].doc_id in {"quake-reuters", "quake-ap"}
    assert len(as_of[0].also_reported_by) == 1  # the other report; Kyodo's was not out yet


def test_an_index_written_without_stories_catches_up(embedder: Embedder, tmp_path: Path) -> None:
    index = NewsIndex(tmp_path / "index", embedder, stories=False)
    index.upsert(list(HOKKAIDO))
    assert index.search("Hokkaido", 1).hits[0].story_id is None
    index.close()
    index = NewsIndex(tmp_path / "index", embedder)
    try:
        index.stories.catch_up()
        assert index.stories.wait(60)
        story_of = index.stories.stories_of(d.id for d in HOKKAIDO)
        assert len(story_of) == len(HOKKAIDO) and len(set(story_of.values())) == 1
        records = index.stories.records
        assert records.count_grouped() == len(HOKKAIDO)
        lost = records.placed(["quake-ap"])["quake-ap"]
        records.unplace(lost)  # as if the process that wrote it died before grouping it
        index.stories.catch_up()
        assert index.stories.wait(60)
        assert index.stories.stories_of(d.id for d in HOKKAIDO) == story_of
    finally:
        index.close()


def test_a_reader_beside_the_writer_sees_its_stories(quakes: NewsIndex, embedder: Embedder) -> None:
    reader = NewsIndex(CorpusSettings(Path(quakes.location), read_only=True), embedder)
    try:
        assert not reader.stories.grouping
        assert reader.stories.story_of("quake-ap") == quakes.stories.story_of("quake-ap")
    finally:
        reader.close()


@pytest.mark.slow
def test_stories_on_milvus(embedder: Embedder, milvus_uri: str, tmp_path: Path) -> None:
    """Kept in the corpus's state: another replica of it reads the same stories."""
    name = f"t{uuid.uuid4().hex[:12]}"
    writer = NewsIndex(on_milvus(milvus_uri, tmp_path, name), embedder, backend="milvus")
    replica = NewsIndex(on_milvus(milvus_uri, tmp_path, name), embedder, backend="milvus")
    try:
        story_of = written(writer, ALL)
        assert len({story_of[d.id] for d in HOKKAIDO}) == 1 and len(set(story_of.values())) == 3
        story = replica.stories.story(story_of["quake-ap"])
        assert story is not None and story.sources == ["AP", "Reuters", "Kyodo"]
        hit = replica.search("Kushiro tsunami", 1).hits[0]
        assert hit.story_id == story_of[hit.doc_id]
        writer.delete("quake-later")
        assert writer.stories.wait(60)
        assert replica.stories.story_of("quake-later") is None
        assert [s.id for s in replica.stories.recent(since="2025-03-05")] == [
            story_of["peru-quake"],
            story.id,
        ]
    finally:
        writer.close()
        replica.close()


# -- the parts ------------------------------------------------------------------------------


def test_names_are_capitalized_words_inside_sentences() -> None:
    found = names(
        "Chinese President Xi Jinping met Vladimir Putin at the Kremlin on Thursday. "
        "Putin’s aides said the SAG-AFTRA deal was not discussed. The talks ended."
    )
    assert found == {"xi", "jinping", "vladimir", "putin", "kremlin", "sag-aftra"}


def test_time_rules_a_story_out_before_meaning_is_asked() -> None:
    span = (date(2025, 3, 3), date(2025, 3, 5))
    story = Sketch("s", _unit(0), frozenset({"hokkaido"}), span)
    matching = Matching()
    assert days_outside(date(2025, 3, 4), span) == 0 and days_outside(date(2025, 3, 1), span) == 2
    assert score(_unit(0), frozenset(), None, story, matching) is None
    assert score(_unit(0), frozenset(), date(2025, 3, 16), story, matching) is None
    near = score(_unit(0), frozenset({"hokkaido"}), date(2025, 3, 7), story, matching)
    assert near == pytest.approx(1 + matching.name_weight - 2 * matching.day_penalty)


def test_a_copy_repeats_most_of_the_shorter_text() -> None:
    matching = Matching()
    assert is_copy(REUTERS.text, "Tokyo (Wire) -- " + REUTERS.text, matching)
    assert not is_copy(REUTERS.text, AP.text, matching)


def test_a_summary_behind_by_a_lost_race_is_not_what_a_story_reads(quakes: NewsIndex) -> None:
    """Two writers changing one story at once: the store keeps the last summary written,
    which may miss the other's article; reads go by the members, the next change repairs."""
    records: StoryRecords = quakes.stories.records
    story_id = quakes.stories.story_of("quake-ap")
    assert story_id is not None
    summary = records.state.get(STORY + story_id)
    assert summary is not None
    records.state.put(STORY + story_id, {**summary, "members": summary["members"][:1]})
    records.state.put(f"{MEMBER}{story_id}/peru-quake", {})  # a marker another write undid
    story = quakes.stories.story(story_id)
    assert story is not None and {m.doc_id for m in story.members} == {d.id for d in HOKKAIDO}
    rebuilt = records.rebuild(story_id)
    assert rebuilt is not None and len(rebuilt.members) == 3
    assert f"{MEMBER}{story_id}/peru-quake" not in records.state.keys(MEMBER)


def test_sqlite_records_read_many_at_once_and_list_by_prefix(tmp_path: Path) -> None:
    path = tmp_path / "stories.sqlite"
    reader = SqliteState(path, read_only=True)
    assert reader.get("story/a") is None and reader.keys("story/") == []  # no file yet
    state = SqliteState(path)
    for key in ("story/a", "story/b", "story-of/x", "storz"):
        state.put(key, {"key": key})
    assert state.get_many(["story/a", "story/b", "nope"]) == {
        "story/a": {"key": "story/a"},
        "story/b": {"key": "story/b"},
    }
    assert state.keys("story/") == ["story/a", "story/b"]
    assert reader.keys("story") == ["story-of/x", "story/a", "story/b"]
    assert (state.count("story/"), state.count(""), state.count("nope")) == (2, 4, 0)
    state.delete("story/a")
    assert reader.get("story/a") is None
    state.put_many([("story/b", {"key": "again"}), ("story/c", {"key": "story/c"})])  # one write
    assert reader.get_many(["story/b", "story/c"]) == {
        "story/b": {"key": "again"},
        "story/c": {"key": "story/c"},
    }
    with pytest.raises(PermissionError):
        reader.put("story/c", {})
    state.close()
    reader.close()


def _unit(axis: int) -> np.ndarray:
    vector = np.zeros(384, dtype=np.float32)
    vector[axis] = 1.0
    return vector


def test_recent_lists_newest_first_and_matches_label_or_source(quakes: NewsIndex) -> None:
    recent: list[Story] = quakes.stories.recent()
    assert [s.last_updated for s in recent] == ["2025-03-27", "2025-03-06", "2025-03-05"]
    assert [s.last_updated for s in quakes.stories.recent(since="2025-03-06")] == [
        "2025-03-27",
        "2025-03-06",
    ]
    kyodo = quakes.stories.recent(match="kyodo")  # a source
    assert [s.last_updated for s in kyodo] == ["2025-03-27", "2025-03-05"]
    assert [s.label_doc for s in quakes.stories.recent(match="PERU")] == ["peru-quake"]  # a label
    assert len(quakes.stories.recent(limit=1)) == 1
