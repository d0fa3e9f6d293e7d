"""Every recipe ``data.`` config speaks its builder's language."""

import dataclasses

import pytest

from tfdefect.datasets.casting.data_config import CastingDataConfig
from tfdefect.datasets.chips6.data_config import Chips6DataConfig
from tfdefect.datasets.pcb_anomaly.data_config import PcbAnomalyDataConfig
from tfdefect.datasets.smt_pairs.data_config import SmtPairsDataConfig
from tfdefect.datasets.tfds_builders import available_datasets, builder_module
from tfdefect.datasets.wafer_sem.data_config import WaferSemDataConfig

DATA_CONFIGS = (
    CastingDataConfig,
    Chips6DataConfig,
    PcbAnomalyDataConfig,
    SmtPairsDataConfig,
    WaferSemDataConfig,
)


@pytest.mark.parametrize("data_class", DATA_CONFIGS, ids=lambda c: c.dataset_name)
def test_settings_build_the_builders_own_config(data_class):
    module = builder_module(data_class.dataset_name)
    config_class = type(module.Builder.BUILDER_CONFIGS[0])
    for manual_dir in (None, "/data/somewhere"):
        settings = data_class(manual_dir=manual_dir).builder_settings()
        builder_config = config_class(name="x", **settings)
        builder_fields = {f.name for f in dataclasses.fields(builder_config)}
        assert set(settings) <= builder_fields
        for key, value in settings.items():
            assert getattr(builder_config, key) == value


def test_every_dataset_has_a_data_config():
    assert sorted(c.dataset_name for c in DATA_CONFIGS) == sorted(available_datasets())


def test_the_config_name_says_where_the_data_came_from():
    assert WaferSemDataConfig().config_name() == "synthetic"
    assert WaferSemDataConfig(manual_dir="/d").config_name() == "manual"
    assert PcbAnomalyDataConfig(manual_dir="/d", category="toolbox").config_name() == (
        "mvtec_toolbox"
    )
