"""wafer_sem: grey SEM images of wafer patterns in eight classes (TFDS).

    tfds build datasets/wafer_sem                                  # synthetic sites
    tfds build datasets/wafer_sem --config manual --manual_dir D   # D/<class>/*.png

Classes: bridge, clean, cmp_scratch, cracks, ler, open, others, vias. ``synthetic``
renders sites (``synthetic.py`` here) with skewed class frequencies; some
sites are imaged twice. ``manual`` reads one folder per class. Either way splits are made
by group, never by image: a synthetic site, or a cluster of near-duplicate images (pHash,
``tfdefect.data.leakage_audit``), lands in exactly one of train / validation / test.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import tensorflow_datasets as tfds
from etils import epath

from tfdefect.data.group_split import SPLITS, split_of_group
from tfdefect.data.leakage_audit import group_near_duplicates, perceptual_hash
from tfdefect.datasets.beam_generation import BeamWhenAsked, examples_over
from tfdefect.datasets.class_names import require_synthetic_classes
from tfdefect.datasets.wafer_sem.manual import list_class_folders, read_grey
from tfdefect.datasets.wafer_sem.settings import WaferSemSettings
from tfdefect.datasets.wafer_sem.synthetic import (
    CLASS_FREQUENCIES,
    CLASS_NAMES,
    render_site,
    site_layout,
)

# No public page describes these data (sites rendered here, or your own through the manual
# config): the dataset card, README.md next to this file, is their description. With an
# empty homepage TFDS reports its default catalog address for the dataset's name.
HOMEPAGE = ""


@dataclasses.dataclass
class WaferSemConfig(tfds.core.BuilderConfig, WaferSemSettings):
    """Attributes:
    manual: read manual_dir/<class>/ instead of rendering.
    The data settings (sizes, seed, class_names): ``WaferSemSettings``.
    """

    manual: bool = False


class Builder(BeamWhenAsked, tfds.core.GeneratorBasedBuilder):
    """wafer_sem dataset builder."""

    # README.md (the description) and CITATIONS.bib next to this file, also for subclasses
    pkg_dir_path = epath.Path(__file__).parent

    VERSION = tfds.core.Version("1.1.0")
    RELEASE_NOTES = {
        "1.0.0": "Synthetic SEM sites and folder-per-class reading.",
        "1.1.0": "Default image_size 224 (was 96). Synthetic sites keep their field of view at "
        "any image_size (geometry scales with the side), so rendered images at sides other "
        "than 96 changed; 96 px images are unchanged.",
    }
    BUILDER_CONFIGS = [
        WaferSemConfig(name="synthetic", description="Rendered SEM sites (default)."),
        WaferSemConfig(name="manual", manual=True, description="manual_dir/<class>/ images."),
    ]
    DEFAULT_CONFIG_NAME = "synthetic"
    MANUAL_DOWNLOAD_INSTRUCTIONS = (
        f"Put one folder per class ({', '.join(CLASS_NAMES)}) in manual_dir."
    )

    def _info(self) -> tfds.core.DatasetInfo:
        size = self.builder_config.image_size
        return self.dataset_info_from_configs(
            homepage=HOMEPAGE,
            description="Wafer SEM images, split by site / near-duplicate group.",
            features=tfds.features.FeaturesDict(
                {
                    "image": tfds.features.Image(shape=(size, size, 1)),
                    "label": tfds.features.ClassLabel(names=list(self.builder_config.class_names)),
                    "filename": tfds.features.Text(),
                    "group": tfds.features.Text(),
                }
            ),
            supervised_keys=("image", "label"),
        )

    def _split_generators(self, dl_manager: tfds.download.DownloadManager):
        plan = (
            self._manual_plan(str(dl_manager.manual_dir))
            if self.builder_config.manual
            else (self._synthetic_plan())
        )
        if self.builder_config.manual:  # images already read (grouping needs them all)
            return {
                split: examples_over(plan[split], _manual_example, self.generate_with_beam)
                for split in SPLITS
                if plan[split]
            }
        return {split: self._generate_examples(plan[split]) for split in SPLITS if plan[split]}

    def _synthetic_plan(self) -> dict:
        config = self.builder_config
        require_synthetic_classes("wafer_sem", config.class_names, CLASS_NAMES)
        names, weights = list(CLASS_FREQUENCIES), np.array(list(CLASS_FREQUENCIES.values()))
        plan = {split: [] for split in SPLITS}
        for site in range(config.num_sites):
            rng = np.random.default_rng([config.seed, site])
            defect = names[rng.choice(len(names), p=weights / weights.sum())]
            shots = 2 if rng.random() < config.reimaged_fraction else 1
            group = f"site{site:05d}"
            for shot in range(shots):
                plan[split_of_group(group, seed=config.seed)].append(
                    {"site": site, "shot": shot, "defect": defect, "group": group}
                )
        return plan

    def _manual_plan(self, manual_dir: str) -> dict:
        config = self.builder_config
        records = list_class_folders(manual_dir, list(config.class_names))
        images = [read_grey(path, config.image_size) for path, _ in records]
        groups = group_near_duplicates([perceptual_hash(i) for i in images], config.near_threshold)
        first_member = {}
        for (path, _), group in zip(records, groups, strict=True):
            first_member.setdefault(group, str(epath.Path(path).relative_to(manual_dir)))
        plan = {split: [] for split in SPLITS}
        for (path, label), image, group in zip(records, images, groups, strict=True):
            key = first_member[group]
            plan[split_of_group(key, seed=config.seed)].append(
                {
                    "path": str(epath.Path(path).relative_to(manual_dir)),
                    "label": label,
                    "image": image,
                    "group": key,
                }
            )
        return plan

    def _generate_examples(self, items):
        config = self.builder_config
        for item in items:  # synthetic sites (manual images go through _manual_example)
            layout = site_layout(
                np.random.default_rng([config.seed, item["site"], 1]), item["defect"]
            )
            image = render_site(
                layout,
                np.random.default_rng([config.seed, item["site"], 2, item["shot"]]),
                config.image_size,
            )
            name = f"{item['defect']}/{item['group']}_shot{item['shot']}.png"
            yield (
                name,
                {
                    "image": image[..., None],
                    "label": item["defect"],
                    "filename": name,
                    "group": item["group"],
                },
            )


def _manual_example(item):
    """(key, example) of one planned manual image."""
    return item["path"], {
        "image": item["image"],
        "label": item["label"],
        "filename": item["path"],
        "group": item["group"],
    }
