"""Embedding backends: one runtime per module, chosen by name (NEWSRAG_EMBED_BACKEND)."""

from __future__ import annotations

from importlib import import_module
from importlib.util import find_spec
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

__all__ = [
    "BACKENDS",
    "Backend",
    "BackendOptions",
    "MissingDependency",
    "backend_factory",
    "check_installed",
]


def backend_factory(name: str) -> Factory:
    """The loader of backend `name`; an unknown name raises ValueError listing the known ones."""
    if name not in BACKENDS:
        raise ValueError(f"unknown embedding backend {name!r}; known: {', '.join(BACKENDS)}")
    module, function = BACKENDS[name].split(":")
    return cast(Factory, getattr(import_module(f"index.embedders.{module}"), function))


def check_installed(name: str) -> None:
    """MissingDependency, saying what to install, when a package backend `name` runs on is
    absent: found without importing it, so choosing a backend stays cheap (loading is lazy)."""
    module = import_module(f"index.embedders.{BACKENDS[name].split(':')[0]}")
    for package in getattr(module, "REQUIRES", ()):
        if find_spec(package) is None:
            raise MissingDependency(module.INSTALL)
