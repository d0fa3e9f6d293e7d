"""A manual config built through Apache Beam (TFDS given Beam options) holds the same
examples, example for example, as the plain build."""

import numpy as np
import pytest
import tensorflow_datasets as tfds
from apache_beam.options.pipeline_options import PipelineOptions

from tests.datasets.test_tfds_conventions import (
    SmallCasting,
    SmallChips6,
    SmallPcbAnomaly,
    SmallSmtPairs,
    SmallWaferSem,
)


def _key(example):
    """An example's identity: its file name, or (pairs) its board and position."""
    if "filename" in example:
        return example["filename"].decode()
    if "chip_id" in example:
        return example["chip_id"].decode()
    return (example["board_id"].decode(), example["position"].decode(), int(example["label"]))


def _examples(builder_class, config, data_dir, beam):
    builder = builder_class(config=config, data_dir=str(data_dir))
    options = PipelineOptions(["--direct_num_workers=1"]) if beam else None
    builder.download_and_prepare(
        download_config=tfds.download.DownloadConfig(
            manual_dir=str(builder_class.pkg_dir_path / "dummy_data"), beam_options=options
        )
    )
    assert builder.generate_with_beam is beam
    return {
        split: {_key(ex): ex for ex in tfds.as_numpy(builder.as_dataset(split=split))}
        for split in builder.info.splits
    }


@pytest.mark.parametrize(
    "builder_class, config",
    [
        (SmallCasting, "manual"),
        (SmallChips6, "manual"),  # COCO, VIA and folder splits
        (SmallPcbAnomaly, "mvtec_bottle"),
        (SmallSmtPairs, "manual"),
        (SmallWaferSem, "manual"),
    ],
)
def test_beam_and_plain_builds_agree(tmp_path, builder_class, config):
    plain = _examples(builder_class, config, tmp_path / "plain", beam=False)
    beam = _examples(builder_class, config, tmp_path / "beam", beam=True)
    assert plain.keys() == beam.keys() and all(plain.values())
    for split in plain:
        assert plain[split].keys() == beam[split].keys()
        for name, example in plain[split].items():
            _assert_equal(beam[split][name], example)


def _assert_equal(got, expected):
    if isinstance(expected, dict):  # chips6's objects
        assert got.keys() == expected.keys()
        for field in expected:
            _assert_equal(got[field], expected[field])
    else:
        np.testing.assert_array_equal(got, expected)
