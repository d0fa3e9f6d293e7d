import numpy as np
import pytest
import tensorflow as tf

from tfdefect.evaluation.classification import (
    classification_figures,
    evaluate_binary_classifier,
    format_figures,
    runtime_comparison_table,
)

NAMES = ["clean", "open", "bridge"]


def test_figures_count_present_classes_only_in_the_macro_recall():
    labels = np.array([0, 0, 1, 1])
    probabilities = np.eye(3)[[0, 1, 1, 0]]  # one clean and one open right, none bridge
    figures = classification_figures(labels, probabilities, NAMES)
    assert figures["accuracy"] == pytest.approx(0.5)
    assert figures["macro_recall"] == pytest.approx(0.5)  # bridge has no support
    assert figures["per_class"]["bridge"]["support"] == 0
    assert "open" in format_figures("float", figures).splitlines()[2]


def test_runtime_table_shows_drops_against_float():
    labels = np.array([0, 1, 2, 2])
    right = classification_figures(labels, np.eye(3)[labels], NAMES)
    wrong = classification_figures(labels, np.eye(3)[[0, 1, 2, 0]], NAMES)
    wrong["agreement_with_float"] = 0.75
    results = {"float": right, "onnx_float": right, "tflite_int8": wrong}
    table = runtime_comparison_table(results, {"onnx_float": 2**20, "tflite_int8": 2**19})
    rows = table.splitlines()
    assert rows[2].startswith("| onnx_float | 1.00 | 1.0000 |") and "+0.00 pt" in rows[2]
    assert rows[3].startswith("| tflite_int8 | 0.50 | 0.7500 |") and "+25.00 pt" in rows[3]
    assert rows[3].endswith("| 0.7500 |")
    assert rows[-1] == "| bridge | 1.000 | 0.500 |"


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
