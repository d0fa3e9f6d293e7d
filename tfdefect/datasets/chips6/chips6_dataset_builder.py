"""chips6: 224x224x6 chip images with bump, dent and dot defects (TFDS builder).

Build it with the TFDS command line from the repository root::

    tfds build datasets/chips6 --config synthetic      # or: tfdefect build-dataset chips6

or in Python with ``Builder(config="synthetic").download_and_prepare()``. The ``manual``
config reads real chips from ``--manual_dir`` in the folder format documented in
``manual.py`` here and in README.md next to this file.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import tensorflow_datasets as tfds
from etils import epath

from tfdefect.datasets.beam_generation import BeamWhenAsked, examples_over
from tfdefect.datasets.chips6.names import CHANNEL_NAMES, CLASS_NAMES
from tfdefect.datasets.chips6.settings import Chips6Settings
from tfdefect.datasets.chips6.splits import chip_records
from tfdefect.datasets.chips6.synthetic import render_chip, synthetic_chip_fields
from tfdefect.datasets.class_names import require_synthetic_classes

SPLITS = ("train", "validation", "test")


# No public page describes these data (chips rendered here, or your own through the manual
# config): the dataset card, README.md next to this file, is their description. With an
# empty homepage TFDS reports its default catalog address for the dataset's name.
HOMEPAGE = ""


@dataclasses.dataclass
class Chips6Config(tfds.core.BuilderConfig, Chips6Settings):
    """chips6 config: synthetic generation settings, or manual reading.

    The data settings (split sizes, seed, renderer settings, class_names):
    ``Chips6Settings``, the same fields as a recipe's ``data.``.

    Attributes:
        manual: read chips from manual_dir instead of generating them.
    """

    manual: bool = False


class Builder(BeamWhenAsked, tfds.core.GeneratorBasedBuilder):
    """chips6 dataset builder."""

    # README.md (the description) and CITATIONS.bib next to this file, also for subclasses
    pkg_dir_path = epath.Path(__file__).parent

    VERSION = tfds.core.Version("1.1.0")
    RELEASE_NOTES = {
        "1.0.0": "Synthetic and manual chips, semantic and instance labels.",
        "1.1.0": "COCO and VIA annotations in the manual config; objects/is_crowd.",
    }
    BUILDER_CONFIGS = [
        Chips6Config(name="synthetic", description="Chips generated from a seed (default)."),
        Chips6Config(
            name="manual", manual=True, description="Real chips read from manual_dir (see README)."
        ),
    ]
    DEFAULT_CONFIG_NAME = "synthetic"
    MANUAL_DOWNLOAD_INSTRUCTIONS = (
        "Place train/, validation/ and test/ folders in manual_dir. Each holds one folder per "
        "chip (height.png, intensity.png, pattern.png, variance.png, pads.png, drill.png, "
        "mask.png, optional instances.png), or COCO instance annotations (annotations.json) "
        "or VIA regions (via_region_data.json) whose file names are chip folders of the six "
        "channel PNGs or six-page TIFFs. See README.md next to this builder."
    )

    def _info(self) -> tfds.core.DatasetInfo:
        size = self.builder_config.image_size
        return self.dataset_info_from_configs(
            homepage=HOMEPAGE,
            description=(
                "Chips with 6 grey channels (" + ", ".join(CHANNEL_NAMES) + ") and bump, dent, "
                "dot defects with semantic and instance labels."
            ),
            features=tfds.features.FeaturesDict(
                {
                    "image": tfds.features.Tensor(
                        shape=(size, size, 6), dtype=np.uint8, encoding=tfds.features.Encoding.ZLIB
                    ),
                    "mask": tfds.features.Tensor(
                        shape=(size, size), dtype=np.uint8, encoding=tfds.features.Encoding.ZLIB
                    ),
                    "objects": tfds.features.Sequence(
                        {
                            "bbox": tfds.features.BBoxFeature(),
                            "label": tfds.features.ClassLabel(
                                names=list(self.builder_config.class_names)
                            ),
                            "mask": tfds.features.Tensor(
                                shape=(size, size),
                                dtype=np.bool_,
                                encoding=tfds.features.Encoding.ZLIB,
                            ),
                            "is_crowd": np.bool_,
                        }
                    ),
                    "has_defect": np.bool_,
                    "chip_id": tfds.features.Text(),
                }
            ),
            supervised_keys=("image", "mask"),
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        config = self.builder_config
        if not config.manual:
            return {split: self._generate_examples(split) for split in SPLITS}
        splits = {}
        for split in SPLITS:
            records, reader = chip_records(epath.Path(dl_manager.manual_dir) / split)
            make = functools.partial(
                _manual_example,
                reader=reader,
                image_size=config.image_size,
                class_names=tuple(config.class_names),
            )
            splits[split] = examples_over(records, make, self.generate_with_beam)
        return splits

    def _generate_examples(self, split: str):
        yield from self._generate_synthetic(split)

    def _generate_synthetic(self, split: str):
        require_synthetic_classes("chips6", self.builder_config.class_names, CLASS_NAMES[1:])
        config = self.builder_config
        split_index = SPLITS.index(split)
        count = {
            "train": config.num_train,
            "validation": config.num_validation,
            "test": config.num_test,
        }[split]
        synthesis = config.synthesis  # built (and checked) once, not per chip
        for i in range(count):
            rng = np.random.default_rng([config.seed, split_index, i])
            chip = render_chip(rng, synthesis)
            key = f"{SPLITS[split_index]}_{i:06d}"
            yield key, _example(key, synthetic_chip_fields(chip))


def _example(key: str, chip: dict) -> dict:
    """A TFDS example of a chip dict (``example_from_instances``'s fields)."""
    height, width = chip["semantic_mask"].shape
    scale = np.asarray([height, width, height, width], np.float32)
    return {
        "image": chip["image"],
        "mask": chip["semantic_mask"],
        "objects": {
            "bbox": [tfds.features.BBox(*(box / scale)) for box in chip["boxes"]],
            # ClassLabel ids start at 0 (the first defect class)
            "label": (np.asarray(chip["labels"]) - 1).astype(np.int64),
            "mask": chip["instance_masks"],
            "is_crowd": chip["is_crowd"],
        },
        "has_defect": bool(len(chip["labels"])),
        "chip_id": key,
    }


def _manual_example(record, reader, image_size: int, class_names) -> tuple[str, dict]:
    """(key, TFDS example) of one manual chip record (folder, COCO or VIA image)."""
    key, chip = reader(record, image_size, class_names)
    return key, _example(key, chip)
