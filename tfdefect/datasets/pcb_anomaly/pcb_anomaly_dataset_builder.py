"""pcb_anomaly: good and defective PCB images with defect masks, MVTec AD style (TFDS).

    tfds build datasets/pcb_anomaly                                   # synthetic boards
    tfds build datasets/pcb_anomaly --config mvtec_bottle --manual_dir /data/mvtec_ad
    tfds build datasets/pcb_anomaly --manual_dir /data/pcb \\
        --config '{"name": "mvtec_toolbox", "category": "toolbox", "manual": true}'

``synthetic`` renders boards (``synthetic.py`` here) with the two defect types of the
PaDiM PCB inspection study, missing_objects and misplaced_objects. ``mvtec_<category>``
reads the category folder ``<manual_dir>/<category>`` in MVTec AD layout; the 15 MVTec
categories have named configs, any other category name goes through a custom config as
above (or
``tfdefect build-dataset pcb_anomaly --category toolbox --manual-dir ...``).
Splits: train (good only), test (good and defective). The synthetic config also has a
validation split (good and defective) for choosing the threshold.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import tensorflow_datasets as tfds
from etils import epath

from tfdefect.data.mvtec_folder import MVTEC_CATEGORIES, list_category, read_record
from tfdefect.datasets.beam_generation import BeamWhenAsked, examples_over
from tfdefect.datasets.pcb_anomaly.settings import PcbAnomalySettings
from tfdefect.datasets.pcb_anomaly.synthetic import DEFECT_TYPES, make_design, render_board

# MVTec AD, which the manual configs read
HOMEPAGE = "https://www.mvtec.com/company/research/datasets/mvtec-ad"


@dataclasses.dataclass
class PcbAnomalyConfig(tfds.core.BuilderConfig, PcbAnomalySettings):
    """The data settings (category, split sizes, seed, renderer settings):
    ``PcbAnomalySettings``, the same fields as a recipe's ``data.``.

    Attributes:
        manual: read ``<manual_dir>/<category>`` (MVTec AD layout) instead of rendering.
    """

    manual: bool = False


class Builder(BeamWhenAsked, tfds.core.GeneratorBasedBuilder):
    """pcb_anomaly dataset builder."""

    # README.md (the description) and CITATIONS.bib next to this file, also for subclasses
    pkg_dir_path = epath.Path(__file__).parent

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Synthetic PCB boards and MVTec-format folders."}
    BUILDER_CONFIGS = [
        PcbAnomalyConfig(name="synthetic", description="Rendered PCB boards (default)."),
        *(
            PcbAnomalyConfig(
                name=f"mvtec_{c}", manual=True, category=c, description=f"MVTec AD {c}."
            )
            for c in MVTEC_CATEGORIES
        ),
    ]
    DEFAULT_CONFIG_NAME = "synthetic"
    MANUAL_DOWNLOAD_INSTRUCTIONS = (
        "Put the category folders in MVTec AD layout (<category>/train/good, "
        "<category>/test/<type>, <category>/ground_truth/<type>/<stem>_mask.png) in manual_dir."
    )

    def _info(self) -> tfds.core.DatasetInfo:
        config = self.builder_config
        size = None if config.manual else config.image_size
        return self.dataset_info_from_configs(
            homepage=HOMEPAGE,
            description="Good and defective images with pixel masks of the defects.",
            features=tfds.features.FeaturesDict(
                {
                    "image": tfds.features.Image(shape=(size, size, 3)),
                    "mask": tfds.features.Image(shape=(size, size, 1)),
                    "label": tfds.features.ClassLabel(names=["good", "anomalous"]),
                    "defect_type": tfds.features.Text(),
                    "filename": tfds.features.Text(),
                }
            ),
            supervised_keys=("image", "label"),
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        config = self.builder_config
        if config.manual:
            records = list_category(str(dl_manager.manual_dir), config.category)
            base = epath.Path(dl_manager.manual_dir) / config.category
            for split_records in records.values():
                for record in split_records:  # keys and names independent of where it lives
                    record["name"] = str(epath.Path(record["path"]).relative_to(base))
            return {
                split: examples_over(records[split], _manual_example, self.generate_with_beam)
                for split in records
            }
        return {split: self._generate_examples(split) for split in ("train", "validation", "test")}

    def _generate_examples(self, split: str):
        yield from self._generate_synthetic(split)

    def _generate_synthetic(self, split: str):
        config = self.builder_config
        synthesis = config.synthesis  # built (and checked) once, not per board
        design = make_design(synthesis)
        if split == "train":
            plan = [None] * config.num_train
        else:
            count = config.num_validation if split == "validation" else config.num_test
            plan = [None] * count + [d for d in DEFECT_TYPES for _ in range(count)]
        split_index = ("train", "validation", "test").index(split)
        for i, defect in enumerate(plan):
            rng = np.random.default_rng([config.seed, split_index, i])
            image, mask = render_board(rng, design, defect, synthesis)
            name = f"{split}/{defect or 'good'}/{i:05d}.png"
            yield name, _example(image, mask, defect or "good", name)


def _example(image, mask, defect_type, filename) -> dict:
    return {
        "image": image,
        "mask": mask[..., None],
        "label": int(defect_type != "good"),
        "defect_type": defect_type,
        "filename": filename,
    }


def _manual_example(record):
    """(key, example) of one MVTec-layout record (path, mask_path, defect_type, name)."""
    image, mask = read_record(record)
    return record["name"], _example(image, mask, record["defect_type"], record["name"])
