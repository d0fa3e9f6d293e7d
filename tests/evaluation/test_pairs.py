import numpy as np
import pytest

from tfdefect.evaluation.pairs import inspection_metrics


def test_rates_and_confusion_matrix_match_a_hand_count():
    is_ng = [True, True, True, False, False]
    predicted_ng = [True, False, True, True, False]
    classes = [1, 2, 2, 0, 0]
    predicted = [1, 0, 2, 1, 0]
    figures = inspection_metrics(is_ng, predicted_ng, classes, predicted, num_classes=3)
    assert figures["pairs"] == 5 and figures["ng_pairs"] == 3
    assert figures["omission_rate"] == pytest.approx(1 / 3)
    assert figures["false_alarm_rate"] == pytest.approx(1 / 2)
    np.testing.assert_array_equal(figures["confusion_matrix"], [[1, 1, 0], [0, 1, 0], [1, 0, 1]])


def test_rates_without_ng_or_ok_pairs_are_none():
    figures = inspection_metrics([False], [False], [0], [0], num_classes=2)
    assert figures["omission_rate"] is None and figures["false_alarm_rate"] == 0.0
