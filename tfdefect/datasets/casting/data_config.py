"""The ``data.`` config of recipes reading casting."""

from __future__ import annotations

import dataclasses

from tfdefect.datasets.casting.settings import CastingSettings
from tfdefect.datasets.dataset_config import DatasetConfig


@dataclasses.dataclass
class CastingDataConfig(DatasetConfig, CastingSettings):
    """Which casting to use: where (``DatasetConfig``) and the builder's own settings
    (``CastingSettings``: sizes, seed, ``class_names``), the same fields
    ``tfdefect build-dataset casting --set`` takes."""

    dataset_name = "casting"
    class_count = 2  # good, then defective
