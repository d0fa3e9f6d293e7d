"""The settings of smt_pairs: shared by its TFDS BuilderConfig and a recipe's ``data.``."""

from __future__ import annotations

import dataclasses

from tfdefect.datasets.smt_pairs.synthetic import DEFECT_CLASSES


@dataclasses.dataclass(kw_only=True)
class SmtPairsSettings:
    """Attributes:
    image_size: crop side (manual crops are resized to it).
    seed: synthetic seed; boards_train / boards_validation / boards_test: boards per split;
    parts_per_position: instances of each position per synthetic board.
    class_names: defect types in index order, ``ok`` among them (default: the synthetic
        classes; a manual CSV's defect_class values must be among them).
    """

    image_size: int = 64
    seed: int = 0
    boards_train: int = 40
    boards_validation: int = 10
    boards_test: int = 10
    parts_per_position: int = 4
    class_names: tuple[str, ...] = tuple(DEFECT_CLASSES)
