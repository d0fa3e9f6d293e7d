import numpy as np
import pytest
import tensorflow as tf

from tfdefect.evaluation.binary_classification import evaluate_binary_classifier


class _Table:
    """A fake classifier whose defect probability is the image's first pixel."""

    def predict_on_batch(self, images):
        p = images.numpy()[:, 0, 0, 0]
        return np.stack([1 - p, p], axis=1)


def test_figures_and_confusion_matrix_match_a_hand_count():
    probabilities = np.array([0.9, 0.8, 0.3, 0.6, 0.1, 0.2], np.float32)
    labels = np.array([1, 1, 1, 0, 0, 0])
    images = np.broadcast_to(probabilities[:, None, None, None], (6, 2, 2, 1)).copy()
    dataset = tf.data.Dataset.from_tensor_slices((images, labels)).batch(4)
    metrics, matrix = evaluate_binary_classifier(_Table(), dataset)
    # predicted 1 1 0 1 0 0: TP 2, FN 1, FP 1, TN 2
    np.testing.assert_array_equal(matrix, [[2, 1], [1, 2]])
    assert metrics["accuracy"] == pytest.approx(4 / 6)
    assert metrics["precision"] == pytest.approx(2 / 3) and metrics["recall"] == pytest.approx(
        2 / 3
    )
    assert metrics["roc_auc"] == pytest.approx(8 / 9)
    one_class = tf.data.Dataset.from_tensor_slices((images[:3], labels[:3])).batch(4)
    assert evaluate_binary_classifier(_Table(), one_class)[0]["roc_auc"] is None
