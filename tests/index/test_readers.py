"""Each format becomes Documents; every bad file becomes a ReadError that names it."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from index.ingest import ingest
from index.models import Document
from index.newsindex import NewsIndex, UpsertReport
from index.readers import (
    READERS,
    PartlyRead,
    ReadError,
    UnsupportedFile,
    discover,
    read_file,
)

SEEDS = Path(__file__).resolve().parents[2] / "seeds"

BODY = (
    "Chinese President Xi Jinping will pay a state visit to Russia from Wednesday to Saturday, "
    "the foreign ministry said on Tuesday."
)

PAGE = """<!DOCTYPE html>
<html><head><meta charset="utf-8">
<title>Xi to visit Moscow for Victory Day</title>
<meta property="og:site_name" content="Example News">
<link rel="canonical" href="https://news.example.com/world/xi-visit.html">
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/world">World section</a></li>
<li><a href="/subscribe">Subscribe to our newsletter</a></li></ul></nav>
<article><h1>Xi to visit Moscow for Victory Day</h1>
<p>BEIJING, May 6 (Xinhua) -- {body}</p>
<p>The two heads of state have met more than 40 times over the years, and their close
communication provides strategic guidance to bilateral relations.</p>
<p>Analysts said the visit, first reported on May 5, 2025, is expected to inject new momentum
into the comprehensive strategic partnership of coordination for a new era.</p>
</article>
<footer>Copyright 2025 Example News. All rights reserved. Privacy policy | Cookie settings</footer>
</body></html>
"""


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path


def test_registry_covers_every_format() -> None:
    assert set(READERS) == {".txt", ".md", ".html", ".htm", ".json", ".jsonl"}


def test_seed_text_file() -> None:
    path = next(SEEDS.glob("002_*.txt"))
    (doc,) = read_file(path)
    assert doc.id == "002_113f3f2605a1e54b"
    assert doc.text == path.read_bytes().decode("utf-8")
    assert (doc.date, doc.source, doc.url) == ("2025-05-06", "Xinhua", None)
    assert doc.title is not None and doc.title.startswith("Xinhua Headlines: Xi's upcoming")


def test_text_is_stored_exactly_as_decoded(tmp_path: Path) -> None:
    raw = f"  Talks in Moscow open a new chapter\r\n\r\n{BODY}\r\n\n  trailing  \n"
    (doc,) = read_file(write(tmp_path / "story.txt", raw))
    assert doc.text == raw
    assert doc.title == "Talks in Moscow open a new chapter"


def test_utf8_bom_is_dropped(tmp_path: Path) -> None:
    (doc,) = read_file(write(tmp_path / "bom.txt", "\ufeffCafé news".encode() + b"\n"))
    assert doc.text == "Café news\n"


def test_markdown_heading_is_the_title(tmp_path: Path) -> None:
    (doc,) = read_file(write(tmp_path / "note.md", f"# Putin arrives in Harbin\n\n{BODY}\n"))
    assert (doc.id, doc.title) == ("note", "Putin arrives in Harbin")


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("latin1.txt", "Caf\xe9 news in Paris".encode("latin-1"), "not valid UTF-8"),
        ("binary.txt", b"PK\x03\x04\x00\x00binary", "binary"),
        ("utf16.md", "Some news".encode("utf-16"), "UTF-16"),
        ("empty.txt", b" \n\n", "no text"),
        ("binary.json", b"\x00\x01", "binary"),
    ],
)
def test_unreadable_text_is_a_read_error(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    path = write(tmp_path / name, content)
    with pytest.raises(ReadError, match=reason) as err:
        read_file(path)
    assert err.value.path == path
    assert not isinstance(err.value, UnsupportedFile)


def test_unsupported_extension(tmp_path: Path) -> None:
    path = write(tmp_path / "report.pdf", b"%PDF-1.7")
    with pytest.raises(UnsupportedFile, match=r"\.pdf.*\.jsonl") as err:
        read_file(path)
    assert isinstance(err.value, ReadError) and err.value.path == path


def test_missing_file_is_a_read_error(tmp_path: Path) -> None:
    with pytest.raises(ReadError, match="No such file"):
        read_file(tmp_path / "gone.txt")


def test_discover_walks_folders_sorted_skipping_hidden(tmp_path: Path) -> None:
    for name in ["b/2.txt", "b/1.json", "a.md", ".hidden.txt", ".git/config.txt", "c/d/e.html"]:
        write(tmp_path / "corpus" / name, BODY)
    single = write(tmp_path / "single.txt", BODY)
    found = list(discover([single, tmp_path / "corpus"]))
    corpus = tmp_path / "corpus"
    expected = [corpus / "a.md", corpus / "b/1.json", corpus / "b/2.txt", corpus / "c/d/e.html"]
    assert found == [single, *expected]


def test_json_object(tmp_path: Path) -> None:
    record = {"id": 7, "text": BODY, "date": "2025-05-06T08:00:00+08:00", "url": "https://x.cn/7"}
    (doc,) = read_file(write(tmp_path / "one.json", json.dumps(record)))
    assert doc == Document(id="7", text=BODY, date="2025-05-06", url="https://x.cn/7")


def test_json_list_fills_gaps_from_the_text(tmp_path: Path) -> None:
    records = [
        {"id": "a", "title": "Given title", "text": BODY, "source": "CGTN", "date": "someday"},
        {"id": "b", "text": f"BEIJING, May 5, 2025 /PRNewswire/ -- {BODY}"},
    ]
    first, second = read_file(write(tmp_path / "many.json", json.dumps(records)))
    assert (first.title, first.source, first.date) == ("Given title", "CGTN", None)
    assert (second.id, second.date, second.source) == ("b", "2025-05-05", "PRNewswire")


def test_jsonl_skips_blank_lines(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "x", "text": BODY}),
        "",
        json.dumps({"id": "y", "text": "Two\u2028"}),
    ]
    docs = read_file(write(tmp_path / "feed.jsonl", "\n".join(lines) + "\n"))
    assert [(d.id, d.text) for d in docs] == [("x", BODY), ("y", "Two\u2028")]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "a.jsonl",
            '{"id": "x", "text": "ok"}\n{"text": "no id"}\n',
            r"line 2: missing or empty 'id'",
        ),
        ("b.jsonl", '{"id": "x", "text": "  "}\n', r"line 1: missing or empty 'text'"),
        ("c.jsonl", '{"id": "x", "text": "ok"}\n{oops\n', r"line 2: invalid JSON"),
        (
            "d.json",
            '[{"id": "x", "text": "ok"}, {"id": "y"}]',
            r"record 2: missing or empty 'text'",
        ),
        ("e.json", '["just a string"]', r"record 1: expected a JSON object"),
        ("f.json", '{"id": "x", "text": "ok", "title": 5}', r"record 1: 'title' must be a string"),
        ("g.json", '{"id": "x", "text": "ok",', r"invalid JSON at line 1"),
        ("h.jsonl", '{"id": "x", "text": "a"}\n{"id": "x", "text": "b"}', r"line 2: duplicate id"),
    ],
)
def test_bad_records_name_the_line_or_record(
    tmp_path: Path, name: str, content: str, message: str
) -> None:
    with pytest.raises(ReadError, match=message):
        read_file(write(tmp_path / name, content))


def test_html_main_text_without_boilerplate(tmp_path: Path) -> None:
    (doc,) = read_file(write(tmp_path / "page.html", PAGE.format(body=BODY)))
    assert doc.id == "page"
    assert doc.title == "Xi to visit Moscow for Victory Day"
    assert BODY in doc.text and "strategic guidance" in doc.text
    assert "Subscribe" not in doc.text and "Cookie" not in doc.text
    assert (doc.source, doc.url) == ("Example News", "https://news.example.com/world/xi-visit.html")
    assert doc.date is None  # "May 5, 2025" in the body is not a publication date


def test_html_metadata_falls_back_to_the_text(tmp_path: Path) -> None:
    page = f"<html><body><article><p>LONDON, Jan. 3, 2024 /PRNewswire/ -- {BODY}</p></article>"
    (doc,) = read_file(write(tmp_path / "wire.htm", page + "</body></html>"))
    assert (doc.date, doc.source) == ("2024-01-03", "PRNewswire")


def test_html_without_main_text_is_a_read_error(tmp_path: Path) -> None:
    page = "<html><head><title>Nothing</title></head><body><script>x = 1;</script></body></html>"
    with pytest.raises(ReadError, match="no main text"):
        read_file(write(tmp_path / "empty.html", page))


def test_one_bad_file_never_stops_a_run(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    write(tmp_path / "a.txt", BODY)
    write(tmp_path / "b.txt", b"Caf\xe9 broken")
    write(tmp_path / "c.docx", b"PK")
    write(tmp_path / "d.jsonl", json.dumps({"id": "d", "text": BODY}))
    sink = Recorded()
    with caplog.at_level(logging.WARNING):
        report = ingest(sink, [tmp_path])
    assert [doc.id for doc in sink.docs] == ["a", "d"]
    assert report.files == 4 and report.skipped == [str(tmp_path / "c.docx")]
    assert [path for path, _ in report.errors] == [str(tmp_path / "b.txt")]
    levels = {record.levelname: record.getMessage() for record in caplog.records}
    assert "b.txt" in levels["ERROR"] and "c.docx" in levels["WARNING"]


class Recorded:
    """A sink that keeps what it is sent: reading is tested without an index."""

    def __init__(self) -> None:
        self.docs: list[Document] = []

    def upsert(self, docs: list[Document]) -> UpsertReport:
        self.docs.extend(docs)
        return UpsertReport(added=[doc.id for doc in docs])

    def delete(self, doc_id: str) -> bool:
        return False


def test_front_matter_names_the_article_and_stays_out_of_its_text(tmp_path: Path) -> None:
    body = "# A heading\n\nThe river port of Harbin reopened on Tuesday after the ice broke.\n"
    path = tmp_path / "port.md"
    path.write_text(
        "---\ntitle: Harbin port reopens\ndate: 02/04/2025\nsource: Harbin Daily\n"
        "url: https://example.org/port\n---\n" + body,
        "utf-8",
    )
    (doc,) = read_file(path)
    assert doc.text == body  # chunk offsets point into this, the text after the block
    assert (doc.title, doc.date, doc.source) == (
        "Harbin port reopens",
        "2025-04-02",
        "Harbin Daily",
    )
    assert doc.url == "https://example.org/port"
    path.write_text("---\nsource: Harbin Daily\n---\n" + body, "utf-8")
    assert read_file(path)[0].title == "A heading"  # no title in the block: the heading


def test_markdown_emphasis_dateline_gives_the_date(tmp_path: Path) -> None:
    path = tmp_path / "berlin.md"
    path.write_text(
        "*Berlin, February 23, 2025* — Voters went to the polls on Sunday in a snap "
        "election called after the coalition collapsed.\n",
        "utf-8",
    )
    assert read_file(path)[0].date == "2025-02-23"


def test_jsonl_dates_day_first_and_unreadable_ones_warn(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "wires.jsonl"
    records = [
        {"id": "a", "text": "Ministers met in Moscow.", "date": "18/02/2025"},
        {"id": "b", "text": "Ministers met in Beijing.", "date": "someday"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in records), "utf-8")
    with caplog.at_level(logging.WARNING):
        docs = read_file(path)
    assert [d.date for d in docs] == ["2025-02-18", None]
    assert "id 'b'" in caplog.text and "'someday'" in caplog.text


@pytest.mark.parametrize(
    ("head", "dated"),
    [
        pytest.param("", '<time datetime="2025-03-28T09:00:00+06:30">March 28</time>', id="time"),
        pytest.param(
            '<meta property="article:published_time" content="2025-03-28">', "", id="meta"
        ),
    ],
)
def test_html_dates_from_time_and_meta_tags(tmp_path: Path, head: str, dated: str) -> None:
    path = tmp_path / "quake.html"
    path.write_text(
        f"<html><head><title>Quake hits Myanmar</title>{head}</head><body><article>"
        f"<h1>Quake hits Myanmar</h1>{dated}<p>A powerful earthquake shook central Myanmar on "
        "Friday, damaging buildings in Mandalay and the capital.</p><p>Rescue teams worked "
        "through the night to reach people trapped under collapsed buildings.</p></article>"
        "</body></html>",
        "utf-8",
    )
    assert read_file(path)[0].date == "2025-03-28"


def test_good_records_are_read_next_to_bad_ones(tmp_path: Path) -> None:
    lines = [
        '{"id": "a", "text": "The first good record."}',
        "{oops",
        '{"id": "b", "text": "   "}',
        '{"id": "a", "text": "A repeated id."}',
        '{"id": "c", "text": "The second good record."}',
    ]
    path = write(tmp_path / "mixed.jsonl", "\n".join(lines))
    with pytest.raises(PartlyRead) as caught:
        read_file(path)
    assert [d.id for d in caught.value.documents] == ["a", "c"]
    assert [p.split(":")[0] for p in caught.value.problems] == ["line 2", "line 3", "line 4"]


def test_ingest_indexes_the_good_records_and_reports_each_bad_line(
    tmp_path: Path, fresh_index: NewsIndex
) -> None:
    lines = ['{"id": "a", "text": "Good."}', "{oops", '{"id": "b", "text": ""}']
    path = write(tmp_path / "mixed.jsonl", "\n".join(lines))
    report = ingest(fresh_index, [path])
    assert report.added == 1 and fresh_index.document("a") is not None
    assert [reason.split(":")[0] for _, reason in report.errors] == ["line 2", "line 3"]
