"""Package names that load their module on first use (PEP 562 ``__getattr__``), so that
importing a package's light modules does not import its heavy ones (Keras, TensorFlow)."""

from __future__ import annotations

import importlib
import sys


def lazy_names(package: str, homes: dict[str, str]):
    """``(__getattr__, __dir__, __all__)`` for ``package`` whose public names live in the
    submodules ``homes`` gives ({name: submodule})."""
    public = sorted(homes)

    def __getattr__(name: str):
        if name in homes:
            return getattr(importlib.import_module(f"{package}.{homes[name]}"), name)
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return sorted(set(vars(sys.modules[package])) | set(public))

    return __getattr__, __dir__, public
