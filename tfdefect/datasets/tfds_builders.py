"""Locating the library's TFDS builders (``tfdefect.datasets.<name>``)."""

from __future__ import annotations

import importlib

from tfdefect.datasets import DATASETS


def available_datasets() -> list[str]:
    """Names of the library's datasets."""
    return list(DATASETS)


def builder_module(name: str):
    """The module of dataset ``name`` (``Builder`` and its config class)."""
    if name not in DATASETS:
        raise KeyError(f"unknown dataset {name!r}; available: {', '.join(DATASETS)}")
    return importlib.import_module(f"tfdefect.datasets.{name}.{name}_dataset_builder")
