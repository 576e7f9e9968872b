"""Embedding backends: exported once into the data directory, close to torch, chosen by name."""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

from index.embedders import export, onnx_queries
from index.embedders import onnx as onnx_backend
from index.embedders.base import BackendOptions
from index.embedding import DEFAULT_MODEL, Embedder, EmbedOptions, MissingDependency, resolve_model
from index.manifest import FILENAME
from index.models import Document
from index.newsindex import NewsIndex
from service.config import Settings
from tests.conftest import SEEDS

EXPORTED = ("onnx", "onnx-int8", "openvino-int8")
# Least cosine to torch; measured over 2,300 SciFact chunks and queries: onnx 1.0000, onnx-int8
# 0.982 (mean 0.993), openvino-int8 0.965 (1st percentile 0.988, mean 0.995).
MIN_COSINE = {"onnx": 0.999, "onnx-int8": 0.97, "openvino-int8": 0.96}
QUERIES = ["Which city hosts the Expo?", "harbour reopens", "What did the minister say?"]

Open = Callable[[str], Embedder]


@pytest.fixture(scope="session")
def open_backend(model_cache: Path) -> Open:
    """One embedder per backend (queries on it too) for the session: each export is made once,
    here."""

    @cache
    def open_(name: str) -> Embedder:
        options = EmbedOptions(name, model_cache, query_cache_size=0, query_backend=name)
        return Embedder(options=options)

    return open_


@pytest.fixture(scope="session")
def texts() -> list[str]:
    """Real news paragraphs of every length, and short queries."""
    paragraphs = [p for f in sorted(SEEDS.glob("*.txt")) for p in f.read_text().split("\n\n")]
    return [p for p in paragraphs if p.strip()][:16] + QUERIES


@pytest.mark.parametrize("name", EXPORTED)
def test_backends_give_vectors_close_to_torch(
    name: str, open_backend: Open, texts: list[str]
) -> None:
    vectors = open_backend(name).embed_documents(texts)
    cosine = (vectors * open_backend("torch").embed_documents(texts)).sum(axis=1)
    assert vectors.dtype == np.float32 and vectors.shape == (len(texts), 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-5)
    assert cosine.min() >= MIN_COSINE[name], cosine.min()


def test_the_export_lands_in_the_data_dir(open_backend: Open, model_cache: Path) -> None:
    open_backend("onnx-int8").embed_documents(["loads it"])
    (folder,) = model_cache.glob("all-MiniLM-L6-v2-*/onnx-int8")
    assert sorted(p.name for p in folder.iterdir()) == ["model.onnx", onnx_queries.STAMP]
    assert not list(Path(resolve_model(DEFAULT_MODEL)).rglob("*.onnx"))
    assert not list(model_cache.rglob(".*"))  # no temporary folder left behind


def test_a_second_start_reuses_the_export(
    open_backend: Open, model_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_backend("onnx-int8")
    (model,) = model_cache.glob("all-MiniLM-L6-v2-*/onnx-int8/model.onnx")
    before = model.stat().st_mtime_ns

    def no_export(*args: object) -> None:
        raise AssertionError("exported again")

    monkeypatch.setattr(export, "export_onnx", no_export)
    monkeypatch.setattr(onnx_backend, "export_onnx", no_export)
    again = Embedder(options=EmbedOptions("onnx-int8", model_cache))
    assert again.embed_query("harbour").shape == (384,)
    assert model.stat().st_mtime_ns == before


def test_a_crashed_export_leaves_nothing_half_made(tmp_path: Path) -> None:
    target = tmp_path / "models" / "m" / "onnx"

    def crash(folder: Path) -> None:
        (folder / "model.onnx").write_bytes(b"half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        export.export_once(target, crash)
    assert not target.exists() and not list(target.parent.iterdir())
    # A folder left by a process killed mid-export is cleared by the next export.
    dead = subprocess.Popen(["true"])
    dead.wait()
    (target.parent / f".onnx.{dead.pid}.abandoned").mkdir()

    def complete(folder: Path) -> None:
        (folder / "model.onnx").write_bytes(b"ok")

    assert export.export_once(target, complete) == target
    assert [p.name for p in target.parent.iterdir()] == ["onnx"]
    assert (target / "model.onnx").read_bytes() == b"ok"


def test_new_weights_get_a_new_export_folder(embedder: Embedder, tmp_path: Path) -> None:
    model = embedder._model()
    before = export.model_dir(tmp_path, model, DEFAULT_MODEL, "onnx")
    weight = next(iter(model.parameters()))
    saved = weight.data.clone()
    try:
        weight.data[0, 0] += 1
        assert export.model_dir(tmp_path, model, DEFAULT_MODEL, "onnx") != before
    finally:
        weight.data.copy_(saved)


def test_an_unknown_backend_is_refused_with_the_known_ones() -> None:
    with pytest.raises(ValueError, match="known: torch, onnx, onnx-int8, openvino, openvino-int8"):
        Embedder(options=EmbedOptions(backend="tensorrt"))


def test_a_missing_optional_package_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # import fails as if not installed
    with pytest.raises(MissingDependency, match="pip install onnxruntime"):
        Embedder(options=EmbedOptions("onnx", tmp_path))
    assert not list(tmp_path.iterdir())


def test_the_manifest_records_the_backend_and_a_change_only_warns(
    open_backend: Open, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    index = NewsIndex(tmp_path, open_backend("onnx-int8"))
    index.upsert([Document(id="memo", text="The harbour reopens on Monday after the storm.")])
    index.close()
    assert json.loads((tmp_path / FILENAME).read_text())["embed_backend"] == "onnx-int8"
    with caplog.at_level(logging.WARNING, logger="index.manifest"):
        reopened = NewsIndex(tmp_path, open_backend("torch"))
    assert "embedded with the onnx-int8 backend" in caplog.text and "now use torch" in caplog.text
    assert (
        reopened.search("When does the harbour reopen?", k=1, mode="dense").hits[0].doc_id == "memo"
    )
    reopened.close()


def test_an_index_from_before_backends_opens_as_torch(embedder: Embedder, tmp_path: Path) -> None:
    NewsIndex(tmp_path, embedder).close()
    path = tmp_path / FILENAME
    old = {k: v for k, v in json.loads(path.read_text()).items() if k != "embed_backend"}
    path.write_text(json.dumps(old))
    assert NewsIndex(tmp_path, embedder).manifest.embed_backend == "torch"


def test_query_cache_hits_return_identical_vectors(monkeypatch: pytest.MonkeyPatch) -> None:
    cached = Embedder(options=EmbedOptions("torch", query_cache_size=8))
    calls: list[list[str]] = []
    runtime = cached._documents()
    encode = runtime.encode

    def counted(texts: list[str], batch_size: int, progress: bool) -> np.ndarray:
        calls.append(texts)
        return encode(texts, batch_size, progress)

    monkeypatch.setattr(runtime, "encode", counted)
    first = cached.embed_query("Which city hosts the Expo?")
    first[:] = 0  # a caller writing to its copy must not touch the cache
    second = cached.embed_query("Which city hosts the Expo?")
    assert calls == [["Which city hosts the Expo?"]]
    np.testing.assert_array_equal(second, cached.embed_documents(["Which city hosts the Expo?"])[0])


def test_threads_share_an_openvino_embedder_safely(open_backend: Open) -> None:
    openvino = open_backend("openvino-int8")
    expected = [openvino.embed_query(q) for q in QUERIES * 4]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(openvino.embed_query, QUERIES * 4))
    np.testing.assert_allclose(np.stack(got), np.stack(expected), atol=1e-6)


def test_queries_beside_openvino_int8_documents_run_on_onnx_int8(
    open_backend: Open, model_cache: Path
) -> None:
    paired = Embedder(options=EmbedOptions("openvino-int8", model_cache, query_cache_size=0))
    assert (paired.backend, paired.query_backend) == ("openvino-int8", "onnx-int8")
    documents = ["The harbour reopens on Monday after the storm."]
    np.testing.assert_allclose(
        paired.embed_documents(documents),
        open_backend("openvino-int8").embed_documents(documents),
        atol=1e-6,
    )
    for query in QUERIES:
        np.testing.assert_allclose(
            paired.embed_query(query), open_backend("onnx-int8").embed_query(query), atol=1e-6
        )
        # One vector space: the query as onnx-int8 embeds it against the documents' runtime.
        assert paired.embed_query(query) @ paired.embed_documents([query])[0] > 0.96


def test_one_runtime_serves_both_when_queries_ask_for_the_same(model_cache: Path) -> None:
    options = EmbedOptions("onnx-int8", model_cache, threads=1)
    same = Embedder(options=options)
    assert same._query_runtime() is same._documents()
    apart = Embedder(options=EmbedOptions("onnx-int8", model_cache, threads=1, query_threads=2))
    assert apart._query_runtime() is not apart._documents()


def test_settings_choose_the_backend_and_keep_exports_beside_the_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("NEWSRAG_MODEL_CACHE_DIR")
    settings = Settings(index_dir=tmp_path / "index", embed_backend="onnx", embed_threads=1)
    options = settings.embed_options
    assert (options.backend, options.threads) == ("onnx", 1)
    assert options.cache_dir == tmp_path / "models"
    with pytest.raises(ValidationError, match="known: torch, onnx"):
        Settings(embed_backend="onnx-fp16")
    assert (options.query_backend, options.query_threads) == (None, None)  # as chosen by Embedder
    tuned = Settings(query_backend="openvino-int8", query_threads=2).embed_options
    assert (tuned.query_backend, tuned.query_threads) == ("openvino-int8", 2)
    with pytest.raises(ValidationError, match="query_backend"):
        Settings(query_backend="tensorrt")


def test_the_exporters_chatter_stays_off_the_terminal(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    """nncf draws progress bars and ONNX Runtime's quantizer logs advice through the root
    logger: ~30 lines on a first start. Only the one line saying an export runs remains."""

    def noisy(folder: Path) -> None:
        print("Statistics collection ━━━━ 100% 62/62")
        print("Applying Fast Bias correction", file=sys.stderr)
        logging.warning("Please consider to run pre-processing before quantization.")
        (folder / "model.xml").write_text("<net/>")

    with caplog.at_level(logging.INFO):
        export.export_once(tmp_path / "openvino-int8", noisy)
    captured = capfd.readouterr()
    assert captured.out == "" and captured.err == ""
    messages = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert len(messages) == 1 and messages[0].startswith("exporting the embedding model once")
    assert (tmp_path / "openvino-int8" / "model.xml").exists()


def test_queries_run_light_on_an_existing_export_and_agree_exactly(
    open_backend: Open, model_cache: Path, texts: list[str], tmp_path: Path
) -> None:
    """A query on an exported ONNX graph needs no sentence-transformers: tokenizer.json, ONNX
    Runtime and mean pooling give the same vectors; a changed model folder is not matched."""
    full = open_backend("onnx-int8")
    full.embed_documents(["exports and stamps it"])
    source = Path(resolve_model(DEFAULT_MODEL))
    options = BackendOptions(model_cache, 0, source)
    runtime = onnx_queries.load("onnx-int8", options)
    assert runtime is not None
    long_and_odd = [*texts[:20], "Ünïcödé — 北京 " * 200, "a"]  # truncation, other scripts
    # Same batches: dynamic int8 scales activations per batch, so batching changes the digits.
    np.testing.assert_array_equal(
        runtime.encode(long_and_odd, full.batch_size, False), full.embed_documents(long_and_odd)
    )
    assert onnx_queries.load("openvino-int8", options) is None  # only ONNX Runtime graphs
    assert onnx_queries.load("onnx-int8", BackendOptions(tmp_path, 0, source)) is None  # no export
    copy = tmp_path / "model"
    shutil.copytree(source, copy)  # the same files elsewhere, or changed: the full path
    assert onnx_queries.load("onnx-int8", BackendOptions(model_cache, 0, copy)) is None


OFFLINE_PROBE = """
import sys
from index.embedding import Embedder, EmbedOptions, ModelUnavailable
Embedder(options=EmbedOptions("torch")).embed_query("loads from the package")
try:
    Embedder("someone/not-on-this-machine", options=EmbedOptions("torch")).dimension
except ModelUnavailable as exc:
    print("refused:", exc)
"""


def test_models_load_offline_without_any_environment_variable() -> None:
    """No HF_HUB_OFFLINE needed (and none written): the packaged model loads, and a name that
    is not on this machine is refused at once, never fetched (the proxy below goes nowhere)."""
    env = {k: v for k, v in os.environ.items() if "OFFLINE" not in k}
    env |= {"HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"}
    done = subprocess.run(
        [sys.executable, "-c", OFFLINE_PROBE], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert (
        "refused: cannot load embedding model 'someone/not-on-this-machine' offline" in done.stdout
    )
