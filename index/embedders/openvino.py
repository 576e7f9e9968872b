"""OpenVINO backends: the exported graph compiled for the CPU, float32 or statically int8."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from index.embedders.base import (
    INPUT_NAMES,
    Backend,
    BackendOptions,
    MissingDependency,
    RunGraph,
)
from index.embedders.export import export_onnx, exported_backend

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

FILE = "model.xml"  # with model.bin beside it
REQUIRES = ("openvino", "nncf", "onnx")
INSTALL = "the openvino backends need openvino, nncf and onnx: pip install openvino nncf onnx"


def fp32(model: SentenceTransformer, model_id: str, options: BackendOptions) -> Backend:
    runtime = _runtime(options.threads)
    return exported_backend(
        model, model_id, options, "openvino", lambda to: _export(model, to, False), runtime
    )


def int8(model: SentenceTransformer, model_id: str, options: BackendOptions) -> Backend:
    runtime = _runtime(options.threads)
    return exported_backend(
        model, model_id, options, "openvino-int8", lambda to: _export(model, to, True), runtime
    )


def _runtime(threads: int) -> Callable[[Path], RunGraph]:
    ov = _require()
    config: dict[str, Any] = {"INFERENCE_PRECISION_HINT": "f32"}  # no silent bf16 on new CPUs
    if threads:
        config["INFERENCE_NUM_THREADS"] = threads
    return lambda folder: _runner(ov.Core().compile_model(str(folder / FILE), "CPU", config))


def _runner(compiled: Any) -> RunGraph:
    """One infer request per thread: a request is not safe to share between threads."""
    local = threading.local()

    def run(feeds: dict[str, np.ndarray]) -> np.ndarray:
        if not hasattr(local, "request"):
            local.request = compiled.create_infer_request()
        hidden: np.ndarray = local.request.infer(feeds)[0]
        return hidden

    return run


def _export(model: SentenceTransformer, folder: Path, quantize: bool) -> None:
    ov = _require()
    export_onnx(model, folder / "model.onnx")
    graph = ov.convert_model(folder / "model.onnx")
    if quantize:
        graph = _quantize(graph, model)
    ov.save_model(graph, folder / FILE, compress_to_fp16=False)
    (folder / "model.onnx").unlink()


def _quantize(graph: Any, model: SentenceTransformer) -> Any:
    """Static int8: activation ranges come from the packaged calibration sentences."""
    import nncf

    nncf.set_log_level(logging.ERROR)
    samples = list(_calibration_feeds(model))
    return nncf.quantize(
        graph,
        nncf.Dataset(samples),
        model_type=nncf.ModelType.TRANSFORMER,
        subset_size=len(samples),
    )


def _calibration_feeds(model: SentenceTransformer) -> Iterator[dict[str, np.ndarray]]:
    text = (files("index.embedders") / "calibration.txt").read_text("utf-8")
    for line in filter(None, map(str.strip, text.splitlines())):
        tokens = model.tokenizer(
            [line], truncation=True, max_length=model.max_seq_length, return_tensors="np"
        )
        yield {name: tokens[name].astype(np.int64) for name in INPUT_NAMES if name in tokens}


def _require() -> Any:
    try:
        import nncf  # noqa: F401  (the int8 export needs it)
        import onnx  # noqa: F401  (the export goes through ONNX)
        import openvino
    except ImportError as exc:
        raise MissingDependency(INSTALL) from exc
    return openvino
