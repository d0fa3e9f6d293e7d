"""The ``data.`` config of recipes reading smt_pairs."""

from __future__ import annotations

import dataclasses

from tfdefect.datasets.dataset_config import DatasetConfig
from tfdefect.datasets.smt_pairs.settings import SmtPairsSettings
from tfdefect.datasets.smt_pairs.synthetic import DEFECT_CLASSES


@dataclasses.dataclass
class SmtPairsDataConfig(DatasetConfig, SmtPairsSettings):
    """Which smt_pairs to use: where (``DatasetConfig``) and the builder's own settings
    (``SmtPairsSettings``: sizes, seed, ``class_names``), the same fields
    ``tfdefect build-dataset smt_pairs --set`` takes."""

    dataset_name = "smt_pairs"
    rendered_class_names = tuple(DEFECT_CLASSES)
    required_class_names = ("ok",)  # the class of ok pairs
