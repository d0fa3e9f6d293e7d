"""smt_pairs: (gold reference, test sample) crops of SMT components with defect classes.

    tfds build datasets/smt_pairs                                   # synthetic boards
    tfds build datasets/smt_pairs --config manual --manual_dir D    # D/annotation_labels.csv

``synthetic`` renders boards (``synthetic.py`` here): every board carries each
position several times, each pair's class drawn from that position's skewed frequencies;
boards, not pairs, are split, so no board appears in two splits. ``manual`` reads the
pairs listed in ``annotation_labels.csv`` (columns: ``manual.py`` here).
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
import tensorflow_datasets as tfds
from etils import epath

from tfdefect.datasets.beam_generation import BeamWhenAsked, examples_over
from tfdefect.datasets.class_names import require_synthetic_classes
from tfdefect.datasets.smt_pairs.manual import SPLITS, read_annotations, read_crop
from tfdefect.datasets.smt_pairs.settings import SmtPairsSettings
from tfdefect.datasets.smt_pairs.synthetic import (
    DEFECT_CLASSES,
    POSITIONS,
    class_frequencies,
    render_pair,
)

# the MPB3 paper (its component data is not public)
HOMEPAGE = "https://link.springer.com/article/10.1007/s10845-021-01870-4"


@dataclasses.dataclass
class SmtPairsConfig(tfds.core.BuilderConfig, SmtPairsSettings):
    """Attributes:
    manual: read manual_dir/annotation_labels.csv instead of rendering.
    The data settings (sizes, boards, class_names): ``SmtPairsSettings``.
    """

    manual: bool = False


class Builder(BeamWhenAsked, tfds.core.GeneratorBasedBuilder):
    """smt_pairs dataset builder."""

    # README.md (the description) and CITATIONS.bib next to this file, also for subclasses
    pkg_dir_path = epath.Path(__file__).parent

    VERSION = tfds.core.Version("1.0.0")
    RELEASE_NOTES = {"1.0.0": "Synthetic SMT pairs and annotation_labels.csv reading."}
    BUILDER_CONFIGS = [
        SmtPairsConfig(name="synthetic", description="Rendered component pairs (default)."),
        SmtPairsConfig(name="manual", manual=True, description="annotation_labels.csv pairs."),
    ]
    DEFAULT_CONFIG_NAME = "synthetic"
    MANUAL_DOWNLOAD_INSTRUCTIONS = "Put annotation_labels.csv and the crops it lists in manual_dir."

    def _info(self) -> tfds.core.DatasetInfo:
        size = self.builder_config.image_size
        return self.dataset_info_from_configs(
            homepage=HOMEPAGE,
            description="Gold-board reference and inspected-board test crops per position.",
            features=tfds.features.FeaturesDict(
                {
                    "reference": tfds.features.Image(shape=(size, size, 3)),
                    "test": tfds.features.Image(shape=(size, size, 3)),
                    "position": tfds.features.Text(),
                    "label": tfds.features.ClassLabel(names=["ok", "ng"]),
                    "defect_class": tfds.features.ClassLabel(
                        names=list(self.builder_config.class_names)
                    ),
                    "board_id": tfds.features.Text(),
                }
            ),
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        if self.builder_config.manual:
            grouped = read_annotations(
                str(dl_manager.manual_dir / "annotation_labels.csv"),
                self.builder_config.class_names,
            )
            make = functools.partial(_manual_example, size=self.builder_config.image_size)
            return {
                s: examples_over(grouped[s], make, self.generate_with_beam)
                for s in SPLITS
                if grouped[s]
            }
        require_synthetic_classes("smt_pairs", self.builder_config.class_names, DEFECT_CLASSES)
        return {split: self._generate_examples(split) for split in SPLITS}

    def _generate_examples(self, split: str):
        size = self.builder_config.image_size
        config = self.builder_config
        boards = {
            "train": config.boards_train,
            "validation": config.boards_validation,
            "test": config.boards_test,
        }[split]
        split_index = SPLITS.index(split)
        for board in range(boards):
            board_id = f"{split}-board{board:04d}"
            for p, position in enumerate(sorted(POSITIONS)):
                frequencies = class_frequencies(position, config.seed)
                names, probabilities = list(frequencies), list(frequencies.values())
                for slot in range(config.parts_per_position):
                    rng = np.random.default_rng([config.seed, split_index, board, p, slot])
                    defect = names[rng.choice(len(names), p=probabilities)]
                    reference, test = render_pair(rng, position, defect, size)
                    yield (
                        f"{board_id}-{position}-{slot}",
                        {
                            "reference": reference,
                            "test": test,
                            "position": position,
                            "label": "ok" if defect == "ok" else "ng",
                            "defect_class": defect,
                            "board_id": board_id,
                        },
                    )


def _manual_example(record, size: int):
    """(key, example) of one annotation_labels.csv row."""
    where = f"annotation_labels.csv row {record['row']}"
    return (
        f"row{record['row']}",
        {
            "reference": read_crop(record["reference_image"], where, size),
            "test": read_crop(record["test_image"], where, size),
            "position": record["position"],
            "label": record["label"],
            "defect_class": record["defect_class"],
            "board_id": record["board_id"],
        },
    )
