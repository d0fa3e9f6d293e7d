import numpy as np
import pytest

from tfdefect.evaluation.anomaly import (
    anomaly_test_metrics,
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


def _brute_force_pro(masks, maps):
    """PRO and FPR recomputed from scratch at every distinct map value."""
    import cv2

    regions = []
    for mask, anomaly_map in zip(masks, maps, strict=True):
        count, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
        regions += [anomaly_map[labels == r] for r in range(1, count)]
    negatives = maps[masks == 0]
    points = [(0.0, 0.0)]
    for threshold in np.unique(maps)[::-1]:
        points.append(
            (np.mean(negatives >= threshold), np.mean([np.mean(r >= threshold) for r in regions]))
        )
    return np.array(points).T


def test_pro_curve_is_exact_at_every_distinct_value():
    masks, maps = _case()
    maps = np.round(maps * 40) / 40  # ties: many pixels share a value
    maps[0, 3, 3] = 2.0
    fpr, pro = pro_curve(masks, maps)
    expected_fpr, expected_pro = _brute_force_pro(masks, maps)
    np.testing.assert_allclose(fpr, expected_fpr, atol=1e-12)
    np.testing.assert_allclose(pro, expected_pro, atol=1e-12)


def test_aupro_integrates_the_exact_curve_to_the_limit():
    masks, maps = _case()
    fpr, pro = _brute_force_pro(masks, maps)
    grid = np.linspace(0, 0.3, 200001)  # a fine grid over the piecewise-linear curve
    expected = np.trapezoid(np.interp(grid, fpr, pro), grid) / 0.3
    assert aupro(masks, maps) == pytest.approx(expected, abs=1e-6)


def test_heavy_tailed_maps_are_not_flattened_by_sampling():
    """One extreme pixel stretches a 200-step even grid over a range where all the good
    pixels sit in the lowest step; the exact curve still sees their order."""
    masks, maps = _case()
    maps = maps + masks * 0.3  # defects a little above most good pixels
    maps[1, 0, 0] = 1e4  # one extreme good pixel
    exact = aupro(masks, maps)
    values = np.linspace(maps.max(), maps.min(), 200)
    negatives, positives = maps[masks == 0], maps[masks > 0]
    sampled_fpr = [np.mean(negatives >= t) for t in values]
    sampled_pro = [np.mean(positives >= t) for t in values]  # one region-weighted proxy
    assert exact > 0.5
    assert np.count_nonzero(np.diff(sampled_fpr)) <= 2  # the even grid has ~no curve left
    assert len(set(sampled_pro)) <= 3


def test_a_perfect_anomaly_map_gives_perfect_figures():
    masks = np.zeros((4, 8, 8), np.uint8)
    masks[2, 2:4, 2:4] = 1
    masks[3, 5:7, 1:3] = 1
    maps = masks.astype(np.float32) * 2.0 + 0.1
    scored = {
        "labels": np.array([0, 0, 1, 1]),
        "scores": maps.reshape(4, -1).max(axis=1),
        "masks": masks,
        "maps": maps,
        "types": np.array(["good", "good", "scratch", "hole"]),
    }
    metrics = anomaly_test_metrics(scored, image_threshold=1.0, pixel_threshold=1.0)
    for key in ("image_AUROC", "pixel_AUROC", "pixel_AUPRO", "image_F1Score", "pixel_F1Score"):
        assert metrics[key] == pytest.approx(1.0), key
    assert metrics["images"] == 4 and metrics["anomalous_images"] == 2
    assert set(metrics["per_defect_type"]) == {"scratch", "hole"}
    missed = anomaly_test_metrics(scored, image_threshold=5.0, pixel_threshold=5.0)
    assert missed["image_F1Score"] == 0.0 and missed["pixel_F1Score"] == 0.0
    # the image decision and the pixel decision use their own thresholds
    split = anomaly_test_metrics(scored, image_threshold=1.0, pixel_threshold=5.0)
    assert split["image_F1Score"] == 1.0 and split["pixel_F1Score"] == 0.0
    assert split["image_threshold"] == 1.0 and split["pixel_threshold"] == 5.0
