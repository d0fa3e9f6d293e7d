"""The ``data.`` config of recipes reading wafer_sem."""

from __future__ import annotations

import dataclasses

from tfdefect.datasets.dataset_config import DatasetConfig
from tfdefect.datasets.wafer_sem.settings import WaferSemSettings
from tfdefect.datasets.wafer_sem.synthetic import CLASS_NAMES


@dataclasses.dataclass
class WaferSemDataConfig(DatasetConfig, WaferSemSettings):
    """Which wafer_sem to use: where (``DatasetConfig``) and the builder's own settings
    (``WaferSemSettings``: sizes, seed, ``class_names``), the same fields
    ``tfdefect build-dataset wafer_sem --set`` takes."""

    dataset_name = "wafer_sem"
    rendered_class_names = tuple(CLASS_NAMES)
