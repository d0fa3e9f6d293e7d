"""The smt_pairs dataset, all of it in this folder: ``smt_pairs_dataset_builder`` (the TFDS
builder), ``settings`` (shared by its config and the recipe's ``data.``), ``data_config``
(the recipe's ``data.``), ``synthetic`` (the renderer) and ``manual`` (the reader of
``annotation_labels.csv``).

``tfds build datasets/smt_pairs`` from a checkout, or ``tfdefect build-dataset smt_pairs``.
``Builder`` and ``SmtPairsConfig`` load on first use (TFDS and TensorFlow with them); the other
modules here import without them (recipes parse their options before TensorFlow starts).
"""

import importlib

__all__ = ["Builder", "SmtPairsConfig"]


def __getattr__(name):
    if name in __all__:
        return getattr(importlib.import_module(f"{__name__}.smt_pairs_dataset_builder"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
