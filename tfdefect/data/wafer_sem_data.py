"""The ``data.`` config of recipes reading wafer_sem."""

from __future__ import annotations

import dataclasses

from tfdefect.data.dataset_config import DatasetConfig
from tfdefect.data.synthetic.wafer_sem import CLASS_NAMES
from tfdefect.datasets.wafer_sem_settings import WaferSemSettings


@dataclasses.dataclass
class WaferSemDataConfig(DatasetConfig, WaferSemSettings):
    """Which wafer_sem to use: where (``DatasetConfig``) and the builder's own settings
    (``WaferSemSettings``: sizes, seed, ``class_names``), the same fields
    ``tfdefect build-dataset wafer_sem --set`` takes."""

    dataset_name = "wafer_sem"
    rendered_class_names = tuple(CLASS_NAMES)
