"""The chips6 dataset, all of it in this folder: ``chips6_dataset_builder`` (the TFDS
builder), ``names`` (channels and classes), ``data_config`` (the recipe's ``data.``),
``synthetic`` (the renderer), ``manual`` (the chip folder reader), ``splits`` (a manual
split in chip folders, COCO or VIA) and ``figure`` (the docs figure).

``tfds build datasets/chips6`` from a checkout, or ``tfdefect build-dataset chips6``.
``Builder`` and ``Chips6Config`` load on first use (TFDS and TensorFlow with them); the other
modules here import without them (recipes parse their options before TensorFlow starts).
"""

import importlib

__all__ = ["Builder", "Chips6Config"]


def __getattr__(name):
    if name in __all__:
        return getattr(importlib.import_module(f"{__name__}.chips6_dataset_builder"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
