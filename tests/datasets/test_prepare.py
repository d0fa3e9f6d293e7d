"""prepare_builder's key: every setting, the builder version and the manual folder."""

import dataclasses
import os

import pytest

from tfdefect.datasets.casting import Builder, CastingConfig
from tfdefect.datasets.chips6 import Builder as ChipsBuilder
from tfdefect.datasets.chips6 import Chips6Config
from tfdefect.datasets.prepare import config_key, prepare_builder


def test_every_field_counts_even_nested_ones():
    base = CastingConfig(name="synthetic")
    assert config_key(Builder, base) == config_key(Builder, CastingConfig(name="other"))
    changed = CastingConfig(name="synthetic", defective_fraction=0.3)  # once left out
    assert config_key(Builder, changed) != config_key(Builder, base)
    chips = Chips6Config(name="synthetic")
    renderer = dataclasses.replace(chips, noise=9.0)  # a renderer setting
    assert config_key(ChipsBuilder, renderer) != config_key(ChipsBuilder, chips)


def test_manual_key_follows_the_folder(tmp_path):
    manual = CastingConfig(name="manual", manual=True)
    first, second = tmp_path / "a", tmp_path / "b"
    for folder in (first, second):
        (folder / "train" / "ok").mkdir(parents=True)
        (folder / "train" / "ok" / "x.png").write_bytes(b"1")
    key = config_key(Builder, manual, str(first))
    assert config_key(Builder, manual, str(first)) == key
    (first / "train" / "ok" / "y.png").write_bytes(b"22")  # a new file
    assert config_key(Builder, manual, str(first)) != key
    os.utime(second / "train" / "ok" / "x.png", ns=(1, 1))
    assert config_key(Builder, manual, str(second)) != config_key(Builder, manual, str(first))


def test_missing_or_absent_manual_folder_is_an_error(tmp_path):
    manual = CastingConfig(name="manual", manual=True)
    with pytest.raises(FileNotFoundError, match="nothere: no such folder"):
        config_key(Builder, manual, str(tmp_path / "nothere"))
    with pytest.raises(ValueError, match="needs a manual_dir"):
        config_key(Builder, manual, None)
    with pytest.raises(FileNotFoundError, match="no such folder"):
        prepare_builder(Builder, manual, str(tmp_path / "tfds"), str(tmp_path / "nothere"))


def test_same_settings_reuse_and_rebuild_regenerates(tmp_path):
    config = CastingConfig(
        name="synthetic", image_size=32, num_train=2, num_validation=1, num_test=1
    )
    built = prepare_builder(Builder, config, str(tmp_path))
    record = os.path.join(built.data_path, "dataset_info.json")
    stamp = os.path.getmtime(record)
    again = prepare_builder(Builder, config, str(tmp_path))
    assert again.data_path == built.data_path and os.path.getmtime(record) == stamp
    rebuilt = prepare_builder(Builder, config, str(tmp_path), rebuild=True)
    assert rebuilt.data_path == built.data_path and os.path.getmtime(record) > stamp
