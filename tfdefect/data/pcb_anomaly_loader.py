"""Building pcb_anomaly from Python (synthetic settings or an MVTec-format folder)."""

from __future__ import annotations

import dataclasses

from tfdefect.data.synthetic.pcb import PcbSynthesisConfig
from tfdefect.data.tfds_builders import builder_module
from tfdefect.datasets.prepare import prepare_builder


@dataclasses.dataclass
class PcbAnomalyDataConfig:
    """Which pcb_anomaly to use.

    Attributes:
        data_dir: TFDS data folder.
        manual_dir: root of MVTec-format category folders; set it to read ``category``.
        category: category folder name under manual_dir (an MVTec name or your own).
        rebuild: build the dataset again even if it was prepared with these settings.
        seed / num_train / num_validation / num_test / image_size: synthetic settings.
    """

    data_dir: str = "~/tensorflow_datasets"
    manual_dir: str | None = None
    rebuild: bool = False
    category: str = "pcb"
    seed: int = 0
    num_train: int = 200
    num_validation: int = 20
    num_test: int = 40
    image_size: int = 224


def pcb_anomaly_builder(config: PcbAnomalyDataConfig):
    """A prepared pcb_anomaly builder for ``config`` (keyed by every setting and, for a
    manual folder, its fingerprint; see ``tfdefect.datasets.prepare``)."""
    module = builder_module("pcb_anomaly")
    if config.manual_dir:
        builder_config = module.PcbAnomalyConfig(
            name=f"mvtec_{config.category}",
            manual=True,
            category=config.category,
            description=f"MVTec-format category {config.category}",
        )
        return prepare_builder(
            module.Builder, builder_config, config.data_dir, config.manual_dir, config.rebuild
        )
    builder_config = module.PcbAnomalyConfig(
        name="synthetic",
        seed=config.seed,
        num_train=config.num_train,
        num_validation=config.num_validation,
        num_test=config.num_test,
        synthesis=PcbSynthesisConfig(image_size=config.image_size),
        description="synthetic boards, custom settings",
    )
    return prepare_builder(module.Builder, builder_config, config.data_dir, rebuild=config.rebuild)
