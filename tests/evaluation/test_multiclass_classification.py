import numpy as np
import pytest

from tfdefect.evaluation.multiclass_classification import (
    classification_figures,
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
