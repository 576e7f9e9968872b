"""ONNX Runtime backends: the exported float32 graph, or its dynamically quantized int8 copy."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.embedders.base import (
    Backend,
    BackendOptions,
    MissingDependency,
    PooledBackend,
    model_tokenizer,
)
from index.embedders.export import export_once, export_onnx, model_dir
from index.embedders.light import stamp

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

FILE = "model.onnx"
REQUIRES = ("onnxruntime", "onnx")
INSTALL = "the onnx backends need onnxruntime and onnx: pip install onnxruntime onnx"


def fp32(model: SentenceTransformer, model_id: str, options: BackendOptions) -> Backend:
    return _load(model, model_id, options, "onnx", lambda folder: export_onnx(model, folder / FILE))


def int8(model: SentenceTransformer, model_id: str, options: BackendOptions) -> Backend:
    return _load(model, model_id, options, "onnx-int8", lambda folder: _export_int8(model, folder))


def _load(
    model: SentenceTransformer,
    model_id: str,
    options: BackendOptions,
    backend: str,
    build: Callable[[Path], None],
) -> Backend:
    ort = _require()
    folder = export_once(model_dir(options.cache_dir, model, model_id, backend), build)
    stamp(folder, options.source)  # later queries may then run without loading the model
    session = ort.InferenceSession(
        str(folder / FILE), session_options(ort, options.threads), ["CPUExecutionProvider"]
    )
    return PooledBackend(model_tokenizer(model), lambda feeds: session.run(None, feeds)[0])


def _export_int8(model: SentenceTransformer, folder: Path) -> None:
    """Int8 weights per output channel: per-tensor scales cost MiniLM 0.05 of cosine, this 0.007."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    export_onnx(model, folder / "fp32.onnx")
    quantize_dynamic(
        folder / "fp32.onnx", folder / FILE, weight_type=QuantType.QInt8, per_channel=True
    )
    (folder / "fp32.onnx").unlink()


def session_options(ort: Any, threads: int) -> Any:
    options = ort.SessionOptions()
    options.log_severity_level = 3  # errors only: it warns about unused initializers
    if threads:
        options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1  # the graph is one chain: parallel branches do not exist
    return options


def _require() -> Any:
    try:
        import onnx  # noqa: F401  (quantization and export need it)
        import onnxruntime
    except ImportError as exc:
        raise MissingDependency(INSTALL) from exc
    return onnxruntime
