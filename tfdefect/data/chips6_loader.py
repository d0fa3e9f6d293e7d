"""Build (if needed) and load the chips6 TFDS dataset from Python."""

from __future__ import annotations

import dataclasses

from tfdefect.data.synthetic.chips import ChipSynthesisConfig
from tfdefect.data.tfds_builders import builder_module
from tfdefect.datasets.prepare import prepare_builder


@dataclasses.dataclass
class Chips6DataConfig:
    """Which chips6 to use.

    Attributes:
        data_dir: TFDS data folder.
        manual_dir: folder of real chips; set it to use the ``manual`` config.
        rebuild: build the dataset again even if it was prepared with these settings.
        seed / num_train / num_validation / num_test: synthetic generation settings.
        image_size / noise / defect_free_fraction / max_defect_size: renderer settings.
    """

    data_dir: str = "~/tensorflow_datasets"
    manual_dir: str | None = None
    rebuild: bool = False
    seed: int = 0
    num_train: int = 800
    num_validation: int = 100
    num_test: int = 100
    image_size: int = 224
    noise: float = 4.0
    defect_free_fraction: float = 0.16
    max_defect_size: int = 20


def chips6_builder(config: Chips6DataConfig):
    """A chips6 builder for ``config``, prepared (generated once, then reused).

    The config name carries a key of every setting, the builder version and (manual) the
    folder's fingerprint, so data made from other inputs is never reused by mistake.
    """
    module = builder_module("chips6")
    synthesis = ChipSynthesisConfig(
        image_size=config.image_size,
        noise=config.noise,
        defect_free_fraction=config.defect_free_fraction,
        max_defect_size=config.max_defect_size,
    )
    builder_config = module.Chips6Config(
        name="manual" if config.manual_dir else "synthetic",
        manual=bool(config.manual_dir),
        seed=config.seed,
        num_train=config.num_train,
        num_validation=config.num_validation,
        num_test=config.num_test,
        synthesis=synthesis,
    )
    return prepare_builder(
        module.Builder, builder_config, config.data_dir, config.manual_dir, config.rebuild
    )
