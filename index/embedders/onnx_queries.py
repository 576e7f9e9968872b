"""Queries on an exported ONNX graph without sentence-transformers, transformers or torch.

Importing those takes ~5 s, most of a one-shot `newsrag search`. Once a model folder has been
exported (by any earlier start), a query needs only its tokenizer.json (the `tokenizers`
package), ONNX Runtime and mean pooling: what sentence-transformers would run, without it.
An export is found by the stamp written beside it, naming the model folder and its files'
sizes and times; a changed model misses and takes the full path, which exports it anew.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from index.embedders.base import Backend, BackendOptions, PooledBackend

STAMP = "source.json"
LIGHT_BACKENDS = {"onnx", "onnx-int8"}
_WATCHED = ("*.safetensors", "*.bin", "tokenizer.json", "modules.json", "config.json")


def stamp(export: Path, source: Path | None) -> None:
    """Records which model folder `export` was made from (written once, atomically)."""
    if source is None or (export / STAMP).exists():
        return
    tmp = export / f".{STAMP}.tmp"
    tmp.write_text(json.dumps(_state(source)), "utf-8")
    tmp.replace(export / STAMP)


def _state(source: Path) -> dict[str, Any]:
    files = sorted(path for pattern in _WATCHED for path in source.glob(pattern))
    return {
        "model": str(source.resolve()),
        "files": {p.name: [p.stat().st_size, p.stat().st_mtime_ns] for p in files},
    }


def find_export(cache_dir: Path, source: Path, backend: str) -> Path | None:
    """The export of `source` for `backend` whose stamp matches the folder as it is now."""
    wanted = _state(source)
    for candidate in cache_dir.glob(f"*/{backend}/{STAMP}"):
        try:
            if json.loads(candidate.read_text("utf-8")) == wanted:
                return candidate.parent
        except (OSError, ValueError):
            continue
    return None


def load(backend: str, options: BackendOptions) -> Backend | None:
    """The light runtime for `backend`, or None when it cannot be had (another backend, a model
    not in a local folder, not Transformer + mean Pooling, or no export yet)."""
    source = options.source
    if backend not in LIGHT_BACKENDS or source is None or not source.is_dir():
        return None
    window = _mean_pooled_window(source)
    export = find_export(options.cache_dir, source, backend)
    if window is None or export is None or not (source / "tokenizer.json").is_file():
        return None
    from index.embedders.onnx import open_session

    session = open_session(export, options.threads)
    inputs = {i.name for i in session.get_inputs()}
    tokenize = _tokenizer(source / "tokenizer.json", window, inputs)
    return PooledBackend(tokenize, lambda feeds: session.run(None, feeds)[0])


def _mean_pooled_window(source: Path) -> int | None:
    """The model's window when it is Transformer + mean Pooling (+ Normalize), as
    sentence-transformers' own files describe it; None for anything else."""
    try:
        modules = json.loads((source / "modules.json").read_text("utf-8"))
        kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
        pooling = json.loads((source / modules[1]["path"] / "config.json").read_text("utf-8"))
        config = json.loads((source / "sentence_bert_config.json").read_text("utf-8"))
    except (OSError, ValueError, KeyError, IndexError):
        return None
    if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
        return None
    others = [k for k, on in pooling.items() if k.startswith("pooling_mode_") and on is True]
    if others != ["pooling_mode_mean_tokens"]:
        return None
    window = config.get("max_seq_length")
    return window if isinstance(window, int) and window > 0 else None


def _tokenizer(path: Path, window: int, inputs: set[str]) -> Any:
    """tokenizer.json as transformers' fast tokenizer runs it: truncated at the model's
    window, padded to the longest text of the batch (the file may say a fixed length)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.enable_truncation(max_length=window)
    padding = tokenizer.padding or {}
    tokenizer.enable_padding(
        pad_id=padding.get("pad_id", 0), pad_token=padding.get("pad_token", "[PAD]")
    )

    def tokenize(texts: list[str]) -> dict[str, np.ndarray]:
        encodings = tokenizer.encode_batch(texts)
        feeds = {
            "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
        }
        return {name: value for name, value in feeds.items() if name in inputs}

    return tokenize
