"""Build (if needed) and load the chips6 TFDS dataset from Python."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os

from tfdefect.data.synthetic.chips import ChipSynthesisConfig
from tfdefect.data.tfds_builders import builder_module


@dataclasses.dataclass
class Chips6DataConfig:
    """Which chips6 to use.

    Attributes:
        data_dir: TFDS data folder.
        manual_dir: folder of real chips; set it to use the ``manual`` config.
        seed / num_train / num_validation / num_test: synthetic generation settings.
        image_size / noise / defect_free_fraction / max_defect_size: renderer settings.
    """

    data_dir: str = "~/tensorflow_datasets"
    manual_dir: str | None = None
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

    Synthetic settings other than the registered default get their own config name
    (``synthetic_<hash>``), so data generated with other settings is never reused by mistake.
    """
    module = builder_module("chips6")
    if config.manual_dir:
        builder = module.Builder(config="manual", data_dir=os.path.expanduser(config.data_dir))
        builder.download_and_prepare(download_config=_download_config(manual_dir=config.manual_dir))
        return builder
    synthesis = ChipSynthesisConfig(
        image_size=config.image_size,
        noise=config.noise,
        defect_free_fraction=config.defect_free_fraction,
        max_defect_size=config.max_defect_size,
    )
    settings = dict(
        seed=config.seed,
        num_train=config.num_train,
        num_validation=config.num_validation,
        num_test=config.num_test,
    )
    digest = hashlib.sha1(
        json.dumps([settings, dataclasses.asdict(synthesis)], sort_keys=True).encode()
    ).hexdigest()[:10]
    builder_config = module.Chips6Config(
        name=f"synthetic_{digest}",
        synthesis=synthesis,
        description="synthetic chips, custom settings",
        **settings,
    )
    builder = module.Builder(config=builder_config, data_dir=os.path.expanduser(config.data_dir))
    builder.download_and_prepare()
    return builder


def _download_config(manual_dir: str):
    import tensorflow_datasets as tfds

    return tfds.download.DownloadConfig(manual_dir=manual_dir)
