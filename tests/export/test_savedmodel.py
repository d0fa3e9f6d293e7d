"""The export contract: TF Serving layout, both signatures, clean-process reload."""

import os
import subprocess
import sys

import numpy as np
import pytest

from tests.savedmodel_client import serve_in_clean_process
from tfdefect.export import export_savedmodel
from tfdefect.export.serving_config import models_config_entries
from tfdefect.models.segmenters import UNetSegmenter
from tfdefect.models.segmenters.postprocess import segmentation_outputs


@pytest.fixture(scope="module")
def model():
    return UNetSegmenter(image_shape=(32, 32, 6), filters=(4, 8))


@pytest.fixture(scope="module")
def images():
    return np.random.default_rng(1).integers(0, 256, (3, 32, 32, 6)).astype(np.uint8)


@pytest.fixture(scope="module")
def exported(model, tmp_path_factory):
    root = tmp_path_factory.mktemp("saved_models")
    path = export_savedmodel(
        model, str(root / "chips_unet"), version=3, postprocess=segmentation_outputs
    )
    return root, path


def test_tf_serving_layout(exported):
    root, path = exported
    assert path == str(root / "chips_unet" / "3")
    assert os.path.isfile(os.path.join(path, "saved_model.pb"))
    assert os.path.isdir(os.path.join(path, "variables"))
    assert sorted(os.listdir(root / "chips_unet")) == ["3"]  # no temp folders left
    assert models_config_entries(str(root / "models.config")) == {
        "chips_unet": str(root / "chips_unet")
    }


def test_clean_process_serves_both_signatures(exported, model, images, tmp_path):
    _, path = exported
    served = serve_in_clean_process(path, images, tmp_path)
    assert served["tfdefect_imported"] is False
    assert {"serving_default", "serving_bytes"} <= set(served["signatures"])
    assert sorted(served["array"]) == ["class_map", "probabilities"]
    expected = model.predict(images, verbose=0)
    np.testing.assert_allclose(served["array"]["probabilities"], expected, atol=1e-5)
    np.testing.assert_allclose(served["bytes"]["probabilities"], expected, atol=1e-5)
    np.testing.assert_array_equal(served["array"]["class_map"], expected.argmax(-1))


def test_saved_model_cli_lists_signatures(exported):
    _, path = exported
    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    result = subprocess.run(
        [cli, "show", "--dir", path, "--all"], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    text = result.stdout
    assert "tag-set: 'serve'" in text
    assert "signature_def['serving_default']" in text
    assert "signature_def['serving_bytes']" in text
    assert "tensorflow/serving/predict" in text
    assert "inputs['images']" in text and "DT_UINT8" in text
    assert "inputs['encoded_images']" in text
    for custom in ("PyFunc", "EagerPyFunc"):
        assert custom not in text


def test_existing_version_is_never_overwritten_by_default(exported, model):
    root, path = exported
    stamp = os.path.getmtime(os.path.join(path, "saved_model.pb"))
    with pytest.raises(FileExistsError, match="already exists"):
        export_savedmodel(model, str(root / "chips_unet"), version=3)
    assert os.path.getmtime(os.path.join(path, "saved_model.pb")) == stamp


def test_overwrite_replaces_whole_version_and_config_keeps_others(model, tmp_path):
    first = export_savedmodel(model, str(tmp_path / "a"), version=1)
    (tmp_path / "a" / "1" / "stale.txt").write_text("old")
    export_savedmodel(model, str(tmp_path / "a"), version=1, overwrite=True)
    assert not os.path.exists(os.path.join(first, "stale.txt"))
    export_savedmodel(model, str(tmp_path / "b"), version=1)
    assert sorted(os.listdir(tmp_path / "a")) == ["1"]
    assert set(models_config_entries(str(tmp_path / "models.config"))) == {"a", "b"}


def test_bad_version_is_rejected(model, tmp_path):
    with pytest.raises(ValueError, match="positive integer"):
        export_savedmodel(model, str(tmp_path / "m"), version=0)
