"""The ``data.`` config of recipes reading casting."""

from __future__ import annotations

import dataclasses

from tfdefect.data.dataset_config import DatasetConfig
from tfdefect.data.synthetic.casting import CLASS_NAMES


@dataclasses.dataclass
class CastingDataConfig(DatasetConfig):
    """Which casting to use (fields as ``CastingConfig`` of the builder).

    Attributes:
        image_size: stored side (manual images are resized to it; the recipe resizes again
            to its model input in the tf.data graph).
        seed / num_train / num_validation / num_test / defective_fraction: synthetic
            split sizes and the share of defective castings.
        class_names: names of label 0 (good, ``ok_front``) and 1 (defective,
            ``def_front``) in metrics, plots and exports.
    """

    dataset_name = "casting"

    image_size: int = 128
    seed: int = 0
    num_train: int = 600
    num_validation: int = 150
    num_test: int = 300
    defective_fraction: float = 0.57
    class_names: tuple[str, ...] = tuple(CLASS_NAMES)
