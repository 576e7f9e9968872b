"""Exported models are built once into the data directory, atomically, and reused after."""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.embedders.base import (
    INPUT_NAMES,
    Backend,
    BackendOptions,
    PooledBackend,
    RunGraph,
    model_tokenizer,
)
from index.embedders.onnx_queries import LIGHT_BACKENDS, stamp

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

log = logging.getLogger(__name__)
ONNX_OPSET = 17


def exported_backend(
    model: SentenceTransformer,
    model_id: str,
    options: BackendOptions,
    backend: str,
    build: Callable[[Path], None],
    runtime: Callable[[Path], RunGraph],
) -> Backend:
    """What every exported-graph backend is: `build` run once into the cache, the folder
    stamped with its source where the light query path can use it (so later queries need not
    load the model), `runtime` running the graph there, the model's tokenizer and pooling
    around it. `runtime` is made before this is called, so a missing runtime package is
    reported before minutes of exporting."""
    folder = export_once(model_dir(options.cache_dir, model, model_id, backend), build)
    if backend in LIGHT_BACKENDS:
        stamp(folder, options.source)
    return PooledBackend(model_tokenizer(model), runtime(folder))


def model_dir(cache_dir: Path, model: SentenceTransformer, model_id: str, backend: str) -> Path:
    """`cache_dir/<model slug>-<weights hash>/<backend>`: new weights get a new folder."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "_", model_id).strip("_.")[-60:] or "model"
    return cache_dir / f"{slug}-{fingerprint(model)}" / backend


def fingerprint(model: SentenceTransformer) -> str:
    """A hash of the weights: a retrained model at the same path must not reuse a stale export."""
    import torch

    digest = hashlib.sha1(usedforsecurity=False)
    for name, tensor in model.state_dict().items():
        digest.update(name.encode())
        digest.update(tensor.detach().cpu().contiguous().reshape(-1).view(torch.uint8).numpy())
    return digest.hexdigest()[:12]


def export_once(target: Path, build: Callable[[Path], None]) -> Path:
    """`target`, built by `build` into a temporary folder renamed into place unless it exists.

    A crash mid-export leaves only a dot-folder that the next export removes; two processes
    exporting at once both succeed, the later rename losing to the earlier one.
    """
    if target.is_dir():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(target)
    tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.{os.getpid()}."))
    try:
        log.info("exporting the embedding model once (a first start only), into %s", target)
        with _quiet():
            build(tmp)
        _fsync_files(tmp)
        try:
            tmp.rename(target)
        except OSError:
            if not target.is_dir():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


@contextmanager
def _quiet() -> Iterator[None]:
    """The exporters' own chatter (nncf's progress bars, ONNX Runtime's advice to pre-process,
    ~30 lines on a first start) kept off the terminal: shown with -v (debug), never on stdout,
    which a command's output owns."""
    chatter = io.StringIO()
    drop = _BelowError()
    root = logging.getLogger()
    root.addFilter(drop)  # the quantizer logs through the root logger itself
    try:
        with redirect_stdout(chatter), redirect_stderr(chatter):
            yield
    finally:
        root.removeFilter(drop)
        if chatter.getvalue().strip():
            log.debug("exporter output:\n%s", chatter.getvalue())


class _BelowError(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.ERROR


def _remove_abandoned(target: Path) -> None:
    """Drops temporary folders whose exporting process is gone (it crashed or was killed)."""
    for leftover in target.parent.glob(f".{target.name}.*"):
        pid = leftover.name.split(".")[2]
        if not (pid.isdigit() and int(pid) > 0 and _alive(int(pid))):
            shutil.rmtree(leftover, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _fsync_files(folder: Path) -> None:
    """The rename must not publish files whose data is still only in the page cache."""
    for path in folder.rglob("*"):
        if path.is_file():
            with path.open("rb") as handle:
                os.fsync(handle.fileno())


def export_onnx(model: SentenceTransformer, path: Path) -> None:
    """The transformer (not pooling) as float32 ONNX, batch and sequence length left dynamic."""
    import torch

    sample = model.tokenizer(
        ["a sample", "a longer sample text"], padding=True, return_tensors="pt"
    )
    names = [name for name in INPUT_NAMES if name in sample]
    axes = {name: {0: "batch", 1: "tokens"} for name in [*names, "last_hidden_state"]}
    # The tracer warns that shape checks become constants; the export is tested against torch at
    # other batch sizes and lengths (cosine 1.0), so the warnings are noise on every first start.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            _hidden_states(model[0].auto_model, names),
            tuple(sample[name] for name in names),
            str(path),
            input_names=names,
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=ONNX_OPSET,
            dynamo=False,  # the TorchScript exporter: the dynamo one needs onnxscript
        )


def _hidden_states(module: Any, names: list[str]) -> Any:
    """The model called with named inputs, returning only the last hidden states."""
    import torch

    class HiddenStates(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = module

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            hidden: torch.Tensor = self.inner(**dict(zip(names, inputs, strict=True)))[0]
            return hidden

    return HiddenStates()
