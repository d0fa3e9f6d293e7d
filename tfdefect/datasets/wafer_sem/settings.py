"""The settings of wafer_sem: shared by its TFDS BuilderConfig and a recipe's ``data.``."""

from __future__ import annotations

import dataclasses

from tfdefect.datasets.wafer_sem.synthetic import CLASS_NAMES


@dataclasses.dataclass(kw_only=True)
class WaferSemSettings:
    """Attributes:
    image_size: stored side, grey (manual images are resized to it). Synthetic sites show
        the same field of view at any side (geometry in units of a 96 px field, scaled by
        image_size / 96); 224 is MobileNetV2's native side, 96 a choice for tiny devices.
    seed / num_sites / reimaged_fraction: synthetic sites and the share imaged twice.
    near_threshold: pHash bits within which images are grouped as near-duplicates.
    class_names: the label names in index order; manual ``<class>/`` folders are matched to
        them (case-insensitive). Default: the synthetic classes; synthetic data needs them.
    """

    image_size: int = 224
    seed: int = 0
    num_sites: int = 1600
    reimaged_fraction: float = 0.2
    near_threshold: int = 6
    class_names: tuple[str, ...] = tuple(CLASS_NAMES)
