import numpy as np

from tfdefect.losses import DiceFocalLoss, median_frequency_weights


def _one_hot(labels, k=4):
    return np.eye(k, dtype=np.float32)[labels]


def _labels():
    labels = np.zeros((2, 16, 16), np.int32)
    labels[0, 2:5, 2:5] = 1
    labels[1, 8:10, 8:12] = 3
    return labels


def test_perfect_prediction_has_near_zero_loss():
    labels = _labels()
    loss = float(DiceFocalLoss()(labels, _one_hot(labels)))
    assert loss < 0.01


def test_all_background_prediction_is_penalised():
    """The seed's failure: predicting background everywhere must not look good."""
    labels = _labels()
    background = _one_hot(np.zeros_like(labels))
    soft_truth = 0.9 * _one_hot(labels) + 0.025  # rows sum to 1
    loss = DiceFocalLoss()
    assert float(loss(labels, background)) > 0.6  # Dice of the defect classes is ~1
    assert float(loss(labels, background)) > 2 * float(loss(labels, soft_truth))


def test_class_weights_scale_the_focal_term():
    labels = _labels()
    prediction = np.full(labels.shape + (4,), 0.25, np.float32)
    plain = DiceFocalLoss(dice_weight=0.0)(labels, prediction)
    weighted = DiceFocalLoss(dice_weight=0.0, class_weights=[2, 2, 2, 2])(labels, prediction)
    np.testing.assert_allclose(float(weighted), 2 * float(plain), rtol=1e-5)


def test_config_round_trip():
    loss = DiceFocalLoss(gamma=1.0, class_weights=[1, 2, 3, 4])
    assert DiceFocalLoss.from_config(loss.get_config()).get_config() == loss.get_config()


def test_median_frequency_weights():
    weights = median_frequency_weights([1000, 10, 10, 1], power=1.0)
    assert weights[1] == weights[2] == 1.0
    assert weights[0] == 0.02 and weights[3] == 10.0
    assert median_frequency_weights([10, 0])[1] == 50.0
