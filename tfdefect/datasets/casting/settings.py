"""The settings of casting: shared by its TFDS BuilderConfig and a recipe's ``data.``."""

from __future__ import annotations

import dataclasses

from tfdefect.datasets.casting.synthetic import CLASS_NAMES


@dataclasses.dataclass(kw_only=True)
class CastingSettings:
    """Attributes:
    image_size: side of the stored images (manual images are resized to it).
    seed / num_train / num_validation / num_test / defective_fraction: synthetic split sizes
        and the share of defective castings (the public set has ~57% def).
    class_names: the names of label 0 (good: ``ok_front`` folders) and label 1 (defective:
        ``def_front`` folders), as metrics, plots and exports show them.
    """

    image_size: int = 128
    seed: int = 0
    num_train: int = 600
    num_validation: int = 150
    num_test: int = 300
    defective_fraction: float = 0.57
    class_names: tuple[str, ...] = tuple(CLASS_NAMES)
