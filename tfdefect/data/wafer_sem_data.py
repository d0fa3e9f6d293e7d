"""The ``data.`` config of recipes reading wafer_sem."""

from __future__ import annotations

import dataclasses

from tfdefect.data.dataset_config import DatasetConfig
from tfdefect.data.synthetic.wafer_sem import CLASS_NAMES


@dataclasses.dataclass
class WaferSemDataConfig(DatasetConfig):
    """Which wafer_sem to use (fields as ``WaferSemConfig`` of the builder).

    Attributes:
        image_size: stored side, grey (manual images are resized to it); the model's input.
        seed / num_sites / reimaged_fraction: synthetic sites, the share imaged twice.
        near_threshold: pHash bits within which images count as near-duplicates.
        class_names: label names in index order; a manual folder's ``<class>/`` folders are
            matched to them (default: the synthetic classes). Metrics, plots and exports use them.
    """

    dataset_name = "wafer_sem"

    image_size: int = 96
    seed: int = 0
    num_sites: int = 1600
    reimaged_fraction: float = 0.2
    near_threshold: int = 6
    class_names: tuple[str, ...] = tuple(CLASS_NAMES)
