import numpy as np
import pytest

from tfdefect.evaluation.channel_false_positives import detections_on_channel


class _FixedDetector:
    """Answers every batch with the same detections."""

    image_shape = (16, 16, 3)

    def __init__(self, class_ids, scores, masks):
        self.outputs = {
            "num_detections": np.array([len(class_ids)]),
            "class_ids": np.array([class_ids]),
            "scores": np.array([scores], np.float32),
            "masks": np.array([masks], np.uint8),
        }

    def predict_on_batch(self, images):
        assert images.shape[-1] == 3
        return self.outputs


def _mask(rows, cols):
    mask = np.zeros((16, 16), np.uint8)
    mask[rows, cols] = 1
    return mask


def _dataset():
    images = np.zeros((1, 16, 16, 6), np.float32)
    images[0, 0:4, 0:4, 5] = 255  # a "drill hole" in channel 5
    return [(images, None)]


def test_counts_confident_detections_of_the_given_classes_on_the_structure():
    detector = _FixedDetector(
        class_ids=[2, 3, 1, 2, 2],
        scores=[0.9, 0.8, 0.9, 0.3, 0.9],
        masks=[
            _mask(slice(0, 4), slice(0, 4)),  # dent on the hole: counted
            _mask(slice(2, 6), slice(2, 6)),  # dot, a quarter on the hole: counted
            _mask(slice(0, 4), slice(0, 4)),  # bump: not a counted class
            _mask(slice(0, 4), slice(0, 4)),  # dent below the score threshold
            _mask(slice(8, 12), slice(8, 12)),  # dent elsewhere
        ],
    )
    assert detections_on_channel(detector, _dataset(), 5, {2, 3}, 0.5) == 2
    assert detections_on_channel(detector, _dataset(), 5, {2, 3}, 0.5, min_overlap=0.5) == 1


def test_rejects_a_channel_the_images_do_not_have():
    detector = _FixedDetector([2], [0.9], [_mask(slice(0, 4), slice(0, 4))])
    with pytest.raises(ValueError, match="channel 6"):
        detections_on_channel(detector, _dataset(), 6, {2}, 0.5)
