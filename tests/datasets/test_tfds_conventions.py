"""The five TFDS builders under ``tfds.testing.DatasetBuilderTestCase``, one test class per
builder and config (synthetic at small sizes; manual on the committed ``dummy_data/``), plus
their dataset cards: README.md as the description, CITATIONS.bib as the citation, homepage.

The builders are subclassed only to shrink the synthetic split sizes and image sizes (same
config names, same generation code); TFDS's guard against ``os`` and ``open`` in a builder
module applies to the subclass's module, so the real modules are checked separately.
"""

from __future__ import annotations

import ast
import inspect

import pytest
import tensorflow_datasets as tfds

from tests.conftest import TINY_CHIPS6
from tfdefect.datasets import casting, chips6, pcb_anomaly, smt_pairs, wafer_sem
from tfdefect.datasets.casting.casting_dataset_builder import CastingConfig
from tfdefect.datasets.pcb_anomaly.pcb_anomaly_dataset_builder import PcbAnomalyConfig
from tfdefect.datasets.smt_pairs.smt_pairs_dataset_builder import SmtPairsConfig
from tfdefect.datasets.wafer_sem.wafer_sem_dataset_builder import WaferSemConfig

MODULES = {
    "chips6": chips6,
    "pcb_anomaly": pcb_anomaly,
    "casting": casting,
    "smt_pairs": smt_pairs,
    "wafer_sem": wafer_sem,
}


def _dummy(name: str) -> str:
    return str(MODULES[name].Builder.pkg_dir_path / "dummy_data")


class SmallChips6(chips6.Builder, skip_registration=True):
    name = "chips6"
    BUILDER_CONFIGS = [
        chips6.Chips6Config(
            name="synthetic", num_train=2, num_validation=1, num_test=1, **TINY_CHIPS6
        ),
        chips6.Chips6Config(name="manual", manual=True, **TINY_CHIPS6),
    ]


class SmallPcbAnomaly(pcb_anomaly.Builder, skip_registration=True):
    name = "pcb_anomaly"
    BUILDER_CONFIGS = [
        PcbAnomalyConfig(
            name="synthetic",
            num_train=2,
            num_validation=1,
            num_test=1,
            image_size=64,
        ),
        PcbAnomalyConfig(name="mvtec_bottle", manual=True, category="bottle"),
    ]


class SmallCasting(casting.Builder, skip_registration=True):
    name = "casting"
    BUILDER_CONFIGS = [
        CastingConfig(name="synthetic", image_size=64, num_train=2, num_validation=1, num_test=1),
        CastingConfig(name="manual", manual=True, image_size=64),
    ]


class SmallSmtPairs(smt_pairs.Builder, skip_registration=True):
    name = "smt_pairs"
    BUILDER_CONFIGS = [
        SmtPairsConfig(
            name="synthetic",
            image_size=32,
            boards_train=1,
            boards_validation=1,
            boards_test=1,
            parts_per_position=1,
        ),
        SmtPairsConfig(name="manual", manual=True, image_size=32),
    ]


class SmallWaferSem(wafer_sem.Builder, skip_registration=True):
    name = "wafer_sem"
    BUILDER_CONFIGS = [
        WaferSemConfig(name="synthetic", image_size=32, num_sites=12),
        WaferSemConfig(name="manual", manual=True, image_size=32),
    ]


def _case(builder, config, splits):
    attributes = {
        "DATASET_CLASS": builder,
        "BUILDER_CONFIG_NAMES_TO_TEST": [config],
        "SPLITS": splits,
        "SKIP_CHECKSUMS": True,  # nothing is downloaded
        "EXAMPLE_DIR": _dummy(builder.name),  # the manual_dir of manual configs
    }
    return type(
        f"Test{builder.__name__}_{config}", (tfds.testing.DatasetBuilderTestCase,), attributes
    )


TestChips6Synthetic = _case(SmallChips6, "synthetic", {"train": 2, "validation": 1, "test": 1})
TestChips6Manual = _case(SmallChips6, "manual", {"train": 2, "validation": 1, "test": 1})
TestPcbAnomalySynthetic = _case(
    SmallPcbAnomaly, "synthetic", {"train": 2, "validation": 3, "test": 3}
)
TestPcbAnomalyMvtec = _case(SmallPcbAnomaly, "mvtec_bottle", {"train": 2, "test": 2})
TestCastingSynthetic = _case(SmallCasting, "synthetic", {"train": 2, "validation": 1, "test": 1})
TestCastingManual = _case(SmallCasting, "manual", {"train": 2, "test": 2})
TestSmtPairsSynthetic = _case(SmallSmtPairs, "synthetic", {"train": 6, "validation": 6, "test": 6})
TestSmtPairsManual = _case(SmallSmtPairs, "manual", {"train": 2, "validation": 1, "test": 1})
TestWaferSemSynthetic = _case(SmallWaferSem, "synthetic", {"train": 9, "validation": 2, "test": 2})
# 9 images in 9 groups: the 70/15/15 hash split leaves test empty here
TestWaferSemManual = _case(SmallWaferSem, "manual", {"train": 8, "validation": 1})


@pytest.mark.parametrize("name", sorted(MODULES))
def test_dataset_cards(name, tmp_path):
    builder_class = MODULES[name].Builder
    folder = builder_class.pkg_dir_path
    readme = (folder / "README.md").read_text()
    for section in ("**Features.**", "**Configs and splits.**", "**Sources and licence.**"):
        assert section in readme, section
    info = builder_class(data_dir=str(tmp_path)).info
    assert info.description == readme.strip() or info.description.startswith(readme[:60])
    assert info.citation.strip() == (folder / "CITATIONS.bib").read_text().strip()
    assert info.citation.count("@") >= 1 and info.homepage.startswith("https://")


@pytest.mark.parametrize("name", sorted(MODULES))
def test_builder_modules_use_no_os_or_open(name):
    """TFDS's rule (its test case patches them out): paths through epath / tf.io.gfile."""
    module = inspect.getmodule(MODULES[name].Builder)
    tree = ast.parse(inspect.getsource(module))
    imported = {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    called = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert "os" not in imported and "open" not in called
