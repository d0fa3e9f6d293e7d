import numpy as np
import pytest

import tfdefect.callbacks
from tfdefect.losses import balanced_class_weights, median_frequency_weights


def test_balanced_class_weights():
    labels = np.array([0] * 80 + [1] * 15 + [3] * 5)
    weights = balanced_class_weights(labels, 4)
    np.testing.assert_allclose(weights, [100 / (3 * 80), 100 / (3 * 15), 0.0, 100 / (3 * 5)])
    assert weights[3] > weights[1] > weights[0]  # rarer classes weigh more
    tempered = balanced_class_weights(labels, 4, power=0.5)
    np.testing.assert_allclose(tempered[[0, 1, 3]].mean(), 1.0)
    assert tempered[3] / tempered[0] == pytest.approx(np.sqrt(weights[3] / weights[0]))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 4\)"):
        balanced_class_weights([0, 4], 4)
    with pytest.raises(ValueError, match="at least one"):
        balanced_class_weights([], 4)


def test_balanced_class_weights_keeps_its_callbacks_import_path():
    assert tfdefect.callbacks.balanced_class_weights is balanced_class_weights


def test_median_frequency_weights_favour_rare_classes():
    weights = median_frequency_weights([900, 90, 10, 0], max_weight=50.0, power=1.0)
    assert weights[3] == 50.0  # never seen: the cap
    assert weights[2] > weights[1] > weights[0]
    np.testing.assert_allclose(weights[1], 1.0)  # median frequency class: weight 1
