import numpy as np
import pytest
import tensorflow as tf

from tfdefect.evaluation.detector_evaluation import class_map, evaluate_detector


class _Oracle:
    """A fake detector answering each image with its ground truth (score 0.9)."""

    image_shape = (16, 16, 3)

    def __init__(self, targets):
        self.targets = targets

    def predict_on_batch(self, images):
        assert images.shape[-1] == 3  # the detector sees its own channel count
        classes = self.targets["classes"]
        return {
            "num_detections": np.sum(classes > 0, axis=1),
            "class_ids": classes,
            "scores": np.where(classes > 0, 0.9, 0.0),
            "boxes": self.targets["boxes"],
            "masks": self.targets["masks"],
        }


def _batch():
    masks = np.zeros((2, 2, 16, 16), np.uint8)
    masks[0, 0, 2:6, 2:6] = 1
    masks[1, 0, 8:12, 4:10] = 1
    targets = {
        "classes": np.array([[1, 0], [2, 0]], np.int32),
        "boxes": np.array([[[2, 2, 6, 6], [0] * 4], [[8, 4, 12, 10], [0] * 4]], np.float32) / 16,
        "masks": masks,
    }
    images = np.zeros((2, 16, 16, 6), np.float32)
    return images, targets


def test_class_map_paints_later_instances_over_earlier_ones():
    masks = np.zeros((2, 4, 4), np.uint8)
    masks[0, :2, :2] = 1
    masks[1, 1:3, 1:3] = 1
    painted = class_map(np.array([1, 3]), masks)
    assert painted[0, 0] == 1 and painted[1, 1] == 3 and painted[3, 3] == 0
    assert class_map(np.array([]), np.zeros((0, 4, 4))) is None


def test_a_perfect_detector_scores_one_and_is_plotted():
    images, targets = _batch()
    dataset = tf.data.Dataset.from_tensors((images, targets))
    result, shown = evaluate_detector(_Oracle(targets), dataset, ["bump", "dent"], 0.5)
    assert result["map50"] == pytest.approx(1.0) and result["bbox_map50"] == pytest.approx(1.0)
    assert shown["images"].shape == (2, 16, 16, 6)
    np.testing.assert_array_equal(shown["prediction"], shown["truth"])
    assert set(np.unique(shown["truth"][1])) == {0, 2}
