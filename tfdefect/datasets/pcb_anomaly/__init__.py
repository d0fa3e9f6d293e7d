"""The pcb_anomaly dataset, all of it in this folder: ``pcb_anomaly_dataset_builder`` (the
TFDS builder; its manual configs read MVTec AD folders with ``tfdefect.data.mvtec_folder``),
``data_config`` (the recipe's ``data.``) and ``synthetic`` (the renderer).

``tfds build datasets/pcb_anomaly`` from a checkout, or ``tfdefect build-dataset pcb_anomaly``.
``Builder`` and ``PcbAnomalyConfig`` load on first use (TFDS and TensorFlow with them); the other
modules here import without them (recipes parse their options before TensorFlow starts).
"""

import importlib

__all__ = ["Builder", "PcbAnomalyConfig"]


def __getattr__(name):
    if name in __all__:
        return getattr(importlib.import_module(f"{__name__}.pcb_anomaly_dataset_builder"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
