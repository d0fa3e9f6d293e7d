"""The wafer_sem dataset, all of it in this folder: ``wafer_sem_dataset_builder`` (the TFDS
builder), ``settings`` (shared by its config and the recipe's ``data.``), ``data_config``
(the recipe's ``data.``), ``synthetic`` (the renderer) and ``manual`` (the reader of one
folder per class).

``tfds build datasets/wafer_sem`` from a checkout, or ``tfdefect build-dataset wafer_sem``.
``Builder`` and ``WaferSemConfig`` load on first use (TFDS and TensorFlow with them); the other
modules here import without them (recipes parse their options before TensorFlow starts).
"""

import importlib

__all__ = ["Builder", "WaferSemConfig"]


def __getattr__(name):
    if name in __all__:
        return getattr(importlib.import_module(f"{__name__}.wafer_sem_dataset_builder"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
