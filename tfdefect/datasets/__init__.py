"""TFDS builders of the library's datasets, one subpackage each, and the settings that a
builder config shares with a recipe's ``data.`` section.

Names load on first use, so ``import tfdefect.datasets`` imports neither TensorFlow nor
TFDS.
"""

from __future__ import annotations

import importlib

DATASETS = ("casting", "chips6", "pcb_anomaly", "smt_pairs", "wafer_sem")

_HOMES = {
    "CastingDataConfig": "casting.data_config",
    "CastingSettings": "casting.settings",
    "Chips6DataConfig": "chips6.data_config",
    "PcbAnomalyDataConfig": "pcb_anomaly.data_config",
    "SmtPairsDataConfig": "smt_pairs.data_config",
    "SmtPairsSettings": "smt_pairs.settings",
    "WaferSemDataConfig": "wafer_sem.data_config",
    "WaferSemSettings": "wafer_sem.settings",
    "prepare_builder": "prepare",
}

__all__ = ["DATASETS", *sorted(_HOMES)]


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
