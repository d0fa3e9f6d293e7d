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
    metrics = anomaly_test_metrics(scored, threshold=1.0)
    for key in ("image_roc_auc", "pixel_roc_auc", "image_f1", "pixel_f1"):
        assert metrics[key] == pytest.approx(1.0), key
    assert metrics["images"] == 4 and metrics["anomalous_images"] == 2
    assert set(metrics["per_defect_type"]) == {"scratch", "hole"}
    missed = anomaly_test_metrics(scored, threshold=5.0)  # nothing flagged
    assert missed["image_f1"] == 0.0 and missed["pixel_f1"] == 0.0
