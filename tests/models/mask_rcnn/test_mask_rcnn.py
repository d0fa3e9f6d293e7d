import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfdefect.models.mask_rcnn.mask_rcnn import MaskRCNN

SMALL = dict(
    image_shape=(64, 64, 6),
    backbone="resnet25",
    proposals_train=40,
    proposals_inference=16,
    train_rois=16,
    max_detections=8,
    detection_min_confidence=0.0,
)


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(0)
    return MaskRCNN(**SMALL)


def _batch(with_defects=True):
    images = np.random.default_rng(0).integers(0, 256, (2, 64, 64, 6)).astype(np.uint8)
    targets = {
        "boxes": np.zeros((2, 4, 4), np.float32),
        "classes": np.zeros((2, 4), np.int32),
        "masks": np.zeros((2, 4, 64, 64), np.uint8),
    }
    if with_defects:
        targets["boxes"][0, 0] = [10 / 64, 10 / 64, 22 / 64, 20 / 64]
        targets["classes"][0, 0] = 1
        targets["masks"][0, 0, 10:22, 10:20] = 1
    return images, targets


def test_inference_outputs(model):
    images, _ = _batch()
    out = {k: v.numpy() for k, v in model(images).items()}
    assert out["boxes"].shape == (2, 8, 4) and out["scores"].shape == (2, 8)
    assert out["masks"].shape == (2, 8, 64, 64) and out["masks"].dtype == np.uint8
    for b in range(2):
        n = out["num_detections"][b]
        assert (out["class_ids"][b, :n] > 0).all() and (out["class_ids"][b, n:] == 0).all()
        assert (out["masks"][b, n:] == 0).all()
        assert np.all(out["boxes"][b] >= 0) and np.all(out["boxes"][b] <= 1)


def test_masks_of_every_slot_in_use_match_masks_computed_for_all_slots(model):
    # the mask head and pasting run on max(num_detections) slots; the result must be what
    # running them on every slot gives, with zeros past each image's detections
    images = tf.constant(_batch()[0], tf.float32)
    scores = np.sort(model(images)["scores"].numpy()[0])[::-1]
    threshold = float(0.5 * (scores[2] + scores[3]))  # keeps three detections in image 0
    strict = MaskRCNN.from_config(dict(model.get_config(), detection_min_confidence=threshold))
    strict.set_weights(model.get_weights())
    out = strict(images)
    counts = out["num_detections"].numpy()
    assert counts.max() < 8  # some slots unused, else the test proves nothing
    features = strict.pyramid(images)
    heads = strict.mask_head(strict.mask_align([out["boxes"], *features[:4]]))
    every = strict.pasted_masks(strict.class_masks(heads, out["class_ids"]), out["boxes"]).numpy()
    for b, n in enumerate(counts):
        every[b, n:] = 0
    np.testing.assert_array_equal(out["masks"].numpy(), every)


def test_defect_free_batch_trains_without_nan():
    """The seed's change (b): chips without any defect still train, nothing is NaN."""
    keras.utils.set_random_seed(1)
    model = MaskRCNN(**SMALL)
    model.compile(optimizer=keras.optimizers.Adam(1e-4), run_eagerly=True)  # one step: no trace
    images, targets = _batch(with_defects=False)
    before = [w.numpy().copy() for w in model.box_head.classifier.weights]
    logs = model.train_on_batch(images, targets, return_dict=True)
    assert all(math.isfinite(v) for v in logs.values()), logs
    assert logs["box_loss"] == 0.0 and logs["mask_loss"] == 0.0 and logs["rpn_box_loss"] == 0.0
    assert logs["class_loss"] > 0.0 and logs["rpn_class_loss"] > 0.0
    after = model.box_head.classifier.weights
    assert any(not np.allclose(b, a.numpy()) for b, a in zip(before, after, strict=True))


def test_loss_weights_default_to_the_seed_ratio(model):
    images, targets = _batch()
    parts = model.compute_losses(tf.cast(images, tf.float32), targets, training=False)
    assert model.loss_weights["class"] == 2.0 and model.loss_weights["box"] == 1.0
    assert model.loss_weights["mask"] == 1.0
    assert all(math.isfinite(float(v)) for v in parts.values())
    assert float(parts["box"]) > 0 and float(parts["mask"]) > 0


def test_keras_file_round_trip(model, tmp_path):
    images, _ = _batch()
    path = str(tmp_path / "mask_rcnn.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.get_config() == model.get_config()
    expected, got = model(images), loaded(images)
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], atol=1e-5)


def test_bad_configuration_is_refused():
    with pytest.raises(ValueError, match="multiples of 32"):
        MaskRCNN(image_shape=(100, 100, 6), backbone="resnet25")
    with pytest.raises(ValueError, match="unknown backbone 'vgg'"):
        MaskRCNN(image_shape=(64, 64, 6), backbone="vgg")


def test_weights_trained_on_crops_load_into_a_whole_chip_model():
    settings = dict(SMALL, mask_channels=16, rpn_positive_iou=0.5, rpn_balanced_loss=True)
    crop_model = MaskRCNN(**dict(settings, image_shape=(32, 32, 6)))
    chip_model = MaskRCNN(**settings)
    assert chip_model.mask_head.channels == 16
    chip_model.set_weights(crop_model.get_weights())
    for a, b in zip(crop_model.get_weights(), chip_model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    images, targets = _batch()
    parts = chip_model.compute_losses(tf.cast(images, tf.float32), targets, training=False)
    assert all(math.isfinite(float(v)) for v in parts.values())
    config = chip_model.get_config()
    assert config["rpn_positive_iou"] == 0.5 and config["rpn_balanced_loss"] is True
