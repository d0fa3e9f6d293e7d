"""Shared fixtures: tiny synthetic chips and a tiny chips6 build, made on the fly."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from tfdefect.datasets.chips6.synthetic import ChipSynthesisConfig, render_chip  # noqa: E402

# chips6 settings of 64 px chips (``Chips6Config(**TINY_CHIPS6)``) and their renderer's
TINY_CHIPS6 = {
    "image_size": 64,
    "max_defect_size": 12,
    "min_defect_size": 5,
    "defect_free_fraction": 0.16,
}
TINY_SYNTHESIS = ChipSynthesisConfig(**TINY_CHIPS6)


@pytest.fixture(scope="session")
def tiny_chips():
    """16 chips of 64x64x6 with their semantic masks: (images, masks) uint8 arrays."""
    chips = [render_chip(np.random.default_rng(i), TINY_SYNTHESIS) for i in range(16)]
    return (np.stack([c.image for c in chips]), np.stack([c.semantic_mask for c in chips]))


@pytest.fixture(scope="session")
def tiny_chips6(tmp_path_factory):
    """A prepared chips6 builder with 8/2/2 synthetic 64x64 chips."""
    from tfdefect.datasets.chips6 import Builder, Chips6Config

    config = Chips6Config(name="tiny", num_train=8, num_validation=2, num_test=2, **TINY_CHIPS6)
    builder = Builder(config=config, data_dir=str(tmp_path_factory.mktemp("tfds")))
    builder.download_and_prepare()
    return builder


@pytest.fixture(scope="session")
def tiny_export(tmp_path_factory):
    """``tiny_export(system)`` -> SavedModel version folder of that system's tiny model
    (tests.tiny_models.SYSTEMS), exported with metadata once per test session."""
    import keras

    from tests.tiny_models import SYSTEMS
    from tfdefect.export import describe_model, export_savedmodel
    from tfdefect.export.model_description import serving_postprocess

    root = tmp_path_factory.mktemp("tiny_exports")
    exported = {}

    def export(system: str) -> str:
        if system not in exported:
            keras.utils.set_random_seed(0)
            model = SYSTEMS[system]()
            exported[system] = export_savedmodel(
                model,
                str(root / system),
                1,
                postprocess=serving_postprocess(model),
                metadata=describe_model(model),
                write_models_config=False,
            )
        return exported[system]

    return export
