import numpy as np
import pytest

from tfdefect.evaluation.anomaly_evaluation import anomaly_test_metrics


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
