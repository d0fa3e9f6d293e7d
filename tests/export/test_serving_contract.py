"""The serving contract: every system's SavedModel answers malformed requests with a clean
InvalidArgument error (no abort, no result of the wrong length), empty batches with empty
outputs; each system's export runs in its own clean process."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tests.serving_contract_client import malformed_request_report
from tfdefect.export import describe_model, export_savedmodel
from tfdefect.export.model_description import serving_postprocess

MALFORMED = [
    "rank3",
    "rank5",
    "wrong_height",
    "double_width",
    "wrong_channels",
    "float_pixels",
    "garbage_bytes",
    "empty_string",
    "bytes_wrong_size",
    "scalar_string",
]


def _segmenter():
    from tfdefect.models.segmenters import UNetSegmenter

    return UNetSegmenter(image_shape=(32, 32, 6), filters=(4, 8))


def _mask_rcnn():
    from tfdefect.models.mask_rcnn.mask_rcnn import MaskRCNN

    return MaskRCNN(
        image_shape=(64, 64, 3),
        backbone="resnet25",
        proposals_inference=16,
        max_detections=4,
        detection_min_confidence=0.0,
    )


def _padim():
    from tfdefect.models.padim import Padim

    model = Padim("resnet18", (32, 32, 3), embedding_dims=8, sigma=2.0)
    images = np.random.default_rng(0).integers(0, 256, (6, 32, 32, 3)).astype(np.uint8)
    model.fit_gaussian(tf.data.Dataset.from_tensor_slices(images).batch(3), verbose=False)
    return model


def _classifier():
    from tfdefect.models.classifiers import ImageClassifier

    return ImageClassifier("luna", image_shape=(32, 32, 1), num_classes=3)


def _mpb3():
    from tfdefect.models.mpb3 import MPB3

    return MPB3(image_shape=(32, 32, 3))


def _mpb3_cached():
    from tfdefect.models.mpb3 import CachedReferenceMPB3

    references = np.random.default_rng(1).integers(0, 256, (3, 32, 32, 3)).astype(np.uint8)
    return CachedReferenceMPB3.from_mpb3(_mpb3(), references)


SYSTEMS = {
    "segmentation": _segmenter,
    "detection": _mask_rcnn,
    "anomaly": _padim,
    "classification": _classifier,
    "pair": _mpb3,
    "pair_cached": _mpb3_cached,
}


@pytest.mark.slow
@pytest.mark.parametrize("system", list(SYSTEMS))
def test_malformed_requests_get_clean_errors(system, tmp_path):
    keras.utils.set_random_seed(0)
    model = SYSTEMS[system]()
    path = export_savedmodel(
        model,
        str(tmp_path / system),
        1,
        postprocess=serving_postprocess(model),
        metadata=describe_model(model),
        write_models_config=False,
    )
    del model
    report = malformed_request_report(path)
    for case in ("valid", "valid_bytes"):
        assert report[case]["status"] == "ok", report[case]
        assert set(report[case]["lengths"].values()) == {2}, report[case]
    for case in ("empty_batch", "empty_bytes_batch"):
        assert report[case]["status"] == "ok", report[case]
        assert set(report[case]["lengths"].values()) == {0}, report[case]
    cases = MALFORMED + (["batch_mismatch"] if "batch_mismatch" in report else [])
    for case in cases:
        assert report[case]["status"] == "error", (case, report[case])
        assert report[case]["type"] == "InvalidArgumentError", (case, report[case])
    for case in ("rank3", "rank5", "wrong_height", "double_width", "wrong_channels"):
        assert "expected uint8" in report[case]["message"], (case, report[case]["message"])
