"""casting: top views of cast pump impellers, ok or defective (TFDS).

    tfds build datasets/casting                                      # synthetic castings
    tfds build datasets/casting --config manual --manual_dir D       # the public folders

``synthetic`` renders impellers (``synthetic.py`` here) with blowholes,
pinholes, burrs, shrinkage, cracks and rough rims on the defective ones; splits train,
validation, test. ``manual`` reads the public casting-product layout
(``train|test/def_front|ok_front``, ``manual.py`` here); splits train, test.
Labels: 0 ok, 1 def.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import tensorflow_datasets as tfds
from etils import epath

from tfdefect.datasets.beam_generation import BeamWhenAsked, examples_over
from tfdefect.datasets.casting.manual import list_casting, read_casting_image
from tfdefect.datasets.casting.settings import CastingSettings
from tfdefect.datasets.casting.synthetic import CLASS_NAMES, render_casting

SYNTHETIC_SPLITS = ("train", "validation", "test")


# the public casting-product set, which the manual config reads
HOMEPAGE = "https://www.kaggle.com/ravirajsinh45/real-life-industrial-dataset-of-casting-product"


@dataclasses.dataclass
class CastingConfig(tfds.core.BuilderConfig, CastingSettings):
    """Attributes:
    manual: read manual_dir instead of rendering.
    The data settings (sizes, seed, class_names): ``CastingSettings``.
    """

    manual: bool = False


class Builder(BeamWhenAsked, tfds.core.GeneratorBasedBuilder):
    """casting dataset builder."""

    # README.md (the description) and CITATIONS.bib next to this file, also for subclasses
    pkg_dir_path = epath.Path(__file__).parent

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Synthetic impellers and the public casting-product folders."}
    BUILDER_CONFIGS = [
        CastingConfig(name="synthetic", description="Rendered cast impellers (default)."),
        CastingConfig(name="manual", manual=True, image_size=300, description="Public folders."),
    ]
    DEFAULT_CONFIG_NAME = "synthetic"
    MANUAL_DOWNLOAD_INSTRUCTIONS = (
        "Put the casting-product folders (train/ and test/, each with def_front/ and "
        "ok_front/) in manual_dir, optionally under casting_data/."
    )

    def _info(self) -> tfds.core.DatasetInfo:
        size = self.builder_config.image_size
        names = list(self.builder_config.class_names)
        if len(names) != 2 or len(set(names)) != 2:
            raise ValueError(
                f"casting class_names {names}: give two distinct names, good then defective"
            )
        return self.dataset_info_from_configs(
            homepage=HOMEPAGE,
            description="Top views of cast pump impellers labelled ok or def.",
            features=tfds.features.FeaturesDict(
                {
                    "image": tfds.features.Image(shape=(size, size, 3)),
                    "label": tfds.features.ClassLabel(names=names),
                    "filename": tfds.features.Text(),
                }
            ),
            supervised_keys=("image", "label"),
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        if self.builder_config.manual:
            records = list_casting(str(dl_manager.manual_dir))
            make = functools.partial(_manual_example, size=self.builder_config.image_size)
            return {
                split: examples_over(records[split], make, self.generate_with_beam)
                for split in records
            }
        return {split: self._generate_examples(split) for split in SYNTHETIC_SPLITS}

    def _generate_examples(self, split: str):
        yield from self._generate_synthetic(split)

    def _generate_synthetic(self, split: str):
        config = self.builder_config
        count = {
            "train": config.num_train,
            "validation": config.num_validation,
            "test": config.num_test,
        }[split]
        split_index = SYNTHETIC_SPLITS.index(split)
        for i in range(count):
            rng = np.random.default_rng([config.seed, split_index, i])
            defective = bool(rng.random() < config.defective_fraction)
            image, kinds = render_casting(rng, defective, config.image_size)
            name = f"{split}/{CLASS_NAMES[int(defective)]}/{i:05d}_{'-'.join(kinds) or 'ok'}.png"
            yield name, {"image": image, "label": int(defective), "filename": name}


def _manual_example(record, size: int):
    """(key, example) of one public-folder image (``(path, label)``)."""
    path, label = record
    name = "/".join(epath.Path(path).parts[-3:])  # split/class/file
    return name, {"image": read_casting_image(path, size), "label": label, "filename": name}
