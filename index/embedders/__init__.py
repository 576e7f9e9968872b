"""Embedding backends: one runtime per module, chosen by name (NEWSRAG_EMBED_BACKEND)."""

from __future__ import annotations

from importlib import import_module
from typing import cast

from index.embedders.base import Backend, BackendOptions, Factory, MissingDependency

# name -> "module:function"; modules are imported only when chosen (their packages are optional).
BACKENDS = {
    "torch": "torch:load",
    "onnx": "onnx:fp32",
    "onnx-int8": "onnx:int8",
    "openvino": "openvino:fp32",
    "openvino-int8": "openvino:int8",
}

__all__ = ["BACKENDS", "Backend", "BackendOptions", "MissingDependency", "backend_factory"]


def backend_factory(name: str) -> Factory:
    """The loader of backend `name`; an unknown name raises ValueError listing the known ones."""
    if name not in BACKENDS:
        raise ValueError(f"unknown embedding backend {name!r}; known: {', '.join(BACKENDS)}")
    module, function = BACKENDS[name].split(":")
    return cast(Factory, getattr(import_module(f"index.embedders.{module}"), function))
