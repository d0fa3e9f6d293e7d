"""The ``data.`` config of recipes reading smt_pairs."""

from __future__ import annotations

import dataclasses

from tfdefect.data.dataset_config import DatasetConfig
from tfdefect.data.synthetic.smt import DEFECT_CLASSES


@dataclasses.dataclass
class SmtPairsDataConfig(DatasetConfig):
    """Which smt_pairs to use (fields as ``SmtPairsConfig`` of the builder).

    Attributes:
        image_size: crop side (manual crops are resized to it); the model's input.
        seed / boards_train / boards_validation / boards_test: synthetic boards per split.
        parts_per_position: instances of each position per synthetic board.
        class_names: defect types in index order, ``ok`` among them (a manual CSV's
            ``defect_class`` values; default: the synthetic classes).
    """

    dataset_name = "smt_pairs"

    image_size: int = 64
    seed: int = 0
    boards_train: int = 40
    boards_validation: int = 10
    boards_test: int = 10
    parts_per_position: int = 4
    class_names: tuple[str, ...] = tuple(DEFECT_CLASSES)
