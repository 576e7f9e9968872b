"""Chunks are exact spans of their document and fit the model window."""

from __future__ import annotations

import pytest

from index.chunking import Chunker, ChunkerSettings
from index.embedding import Embedder
from tests.conftest import SEEDS


@pytest.fixture(scope="module")
def chunker(embedder: Embedder) -> Chunker:
    return Chunker(embedder.count_tokens, ChunkerSettings())


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.stem)
def test_every_seed_chunk_is_an_exact_span(chunker: Chunker, path: object) -> None:
    text = path.read_text("utf-8")  # type: ignore[attr-defined]
    chunks = chunker.chunk("doc", text)
    assert len(chunks) > 1
    for n, chunk in enumerate(chunks):
        assert text[chunk.start : chunk.end] == chunk.text
        assert chunk.chunk_no == n and chunk.chunk_id == f"doc:{n}"


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.stem)
def test_every_seed_chunk_fits_the_model_window(
    chunker: Chunker, embedder: Embedder, path: object
) -> None:
    text = path.read_text("utf-8")  # type: ignore[attr-defined]
    for chunk in chunker.chunk("doc", text):
        tokens = len(embedder.tokenizer(chunk.text)["input_ids"])
        assert tokens <= embedder.max_tokens, chunk.chunk_id


def test_chunks_cover_all_text_in_order(chunker: Chunker) -> None:
    text = (SEEDS / "002_113f3f2605a1e54b.txt").read_text("utf-8")
    chunks = chunker.chunk("doc", text)
    covered = set()
    for chunk in chunks:
        covered.update(range(chunk.start, chunk.end))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)


def test_chunks_end_at_sentence_or_paragraph_boundaries(chunker: Chunker) -> None:
    text = (SEEDS / "000_00c3ffa30793be7d.txt").read_text("utf-8")
    for chunk in chunker.chunk("doc", text):
        at_line_end = text[chunk.end : chunk.end + 1] in ("\n", "")
        assert chunk.text[-1] in '.!?"”' or at_line_end, chunk.text[-40:]


def test_a_long_unbroken_text_still_fits(chunker: Chunker, embedder: Embedder) -> None:
    text = "x" * 5000 + " tail"
    chunks = chunker.chunk("blob", text)
    assert all(text[c.start : c.end] == c.text for c in chunks)
    assert all(len(embedder.tokenizer(c.text)["input_ids"]) <= embedder.max_tokens for c in chunks)


def test_overlap_must_be_smaller_than_size(embedder: Embedder) -> None:
    with pytest.raises(ValueError, match="overlap"):
        Chunker(embedder.count_tokens, ChunkerSettings(size=50, overlap=50))


def test_repeated_paragraphs_get_distinct_offsets(chunker: Chunker) -> None:
    para = "The same syndicated paragraph appears twice in this article. " * 30
    text = para + "\n\n" + para
    chunks = chunker.chunk("dup", text)
    assert len({c.start for c in chunks}) == len(chunks)
    assert all(text[c.start : c.end] == c.text for c in chunks)
