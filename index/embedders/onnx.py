"""ONNX Runtime backends: the exported float32 graph, or its dynamically quantized int8 copy."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from index.embedders.base import Backend, BackendOptions, MissingDependency, RunGraph
from index.embedders.export import export_onnx, exported_backend

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

FILE = "model.onnx"
REQUIRES = ("onnxruntime", "onnx")
INSTALL = "the onnx backends need onnxruntime and onnx: pip install onnxruntime onnx"


def fp32(model: SentenceTransformer, model_id: str, options: BackendOptions) -> Backend:
    runtime = _runtime(options.threads)
    return exported_backend(
        model, model_id, options, "onnx", lambda to: export_onnx(model, to / FILE), runtime
    )


def int8(model: SentenceTransformer, model_id: str, options: BackendOptions) -> Backend:
    runtime = _runtime(options.threads)
    return exported_backend(
        model, model_id, options, "onnx-int8", lambda to: _export_int8(model, to), runtime
    )


def _runtime(threads: int) -> Callable[[Path], RunGraph]:
    _require()

    def run_in(folder: Path) -> RunGraph:
        session = open_session(folder, threads)
        return lambda feeds: session.run(None, feeds)[0]

    return run_in


def open_session(folder: Path, threads: int) -> Any:
    """An ONNX Runtime session on the folder's graph, on the CPU: what the light query path
    (index/embedders/onnx_queries.py) runs too, so both run the graph alike."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 3  # errors only: it warns about unused initializers
    if threads:
        options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1  # the graph is one chain: parallel branches do not exist
    return ort.InferenceSession(str(folder / FILE), options, ["CPUExecutionProvider"])


def _export_int8(model: SentenceTransformer, folder: Path) -> None:
    """Int8 weights per output channel: per-tensor scales cost far more cosine to the float32
    vectors (docs/tuning.md)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    export_onnx(model, folder / "fp32.onnx")
    quantize_dynamic(
        folder / "fp32.onnx", folder / FILE, weight_type=QuantType.QInt8, per_channel=True
    )
    (folder / "fp32.onnx").unlink()


def _require() -> None:
    try:
        import onnx  # noqa: F401  (quantization and export need it)
        import onnxruntime  # noqa: F401
    except ImportError as exc:
        raise MissingDependency(INSTALL) from exc
