import numpy as np
import pytest

from tfdefect.metrics.anomaly_metrics import (
    aupro,
    f1_optimal_threshold,
    image_roc_auc,
    pixel_roc_auc,
    pro_curve,
)


def _case():
    masks = np.zeros((3, 20, 20), np.uint8)
    masks[0, 2:6, 2:6] = 1  # a small region
    masks[0, 10:20, 10:20] = 1  # a large region in the same image
    maps = np.random.default_rng(0).uniform(0, 0.5, (3, 20, 20))
    return masks, maps


def test_perfect_and_inverted_maps():
    masks, maps = _case()
    perfect = maps + masks  # every defect pixel above every good pixel
    assert pixel_roc_auc(masks, perfect) == 1.0
    assert aupro(masks, perfect) == pytest.approx(1.0, abs=0.01)
    assert aupro(masks, -perfect) < 0.05


def test_pro_weights_regions_equally_not_pixels():
    masks, maps = _case()
    only_large = maps.copy()
    only_large[0, 10:20, 10:20] += 1.0  # detect the big region, miss the small one
    fpr, pro = pro_curve(masks, only_large)
    # just before any good pixel fires, the big region is found and the small one is not
    assert pro[np.searchsorted(fpr, 1e-9) - 1] == pytest.approx(0.5)
    # pixel-wise the same map looks almost perfect: 100 of 116 defect pixels are found
    assert pixel_roc_auc(masks, only_large) > 0.9


def test_image_auc_and_f1_threshold():
    assert image_roc_auc([0, 0, 1, 1], [0.1, 0.2, 0.8, 0.9]) == 1.0
    threshold, f1 = f1_optimal_threshold([0, 0, 1, 1, 1], [0.1, 0.4, 0.35, 0.8, 0.9])
    assert f1 == pytest.approx(2 * 0.75 * 1.0 / 1.75) and threshold == pytest.approx(0.35)


def test_pro_needs_regions_and_good_pixels():
    with pytest.raises(ValueError, match="defect region"):
        pro_curve(np.zeros((1, 4, 4)), np.ones((1, 4, 4)))
    with pytest.raises(ValueError, match="defect-free pixels"):
        pro_curve(np.ones((1, 4, 4)), np.ones((1, 4, 4)))
