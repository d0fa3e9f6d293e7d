import numpy as np

from tfdefect.metrics import segmentation_metrics

NAMES = ["background", "bump", "dent"]


def test_background_everywhere_scores_zero_defect_iou():
    truth = np.zeros((2, 8, 8), np.int32)
    truth[0, :2, :2] = 1
    truth[1, 4:6, 4:6] = 2
    background = np.zeros((2, 8, 8, 3), np.float32)
    background[..., 0] = 1.0
    metrics = segmentation_metrics(NAMES)
    assert [m.name for m in metrics] == ["defect_iou", "iou_bump", "iou_dent"]
    for metric in metrics:
        metric.update_state(truth, background)
        assert float(metric.result()) == 0.0
    perfect = segmentation_metrics(NAMES)[0]
    perfect.update_state(truth, np.eye(3, dtype=np.float32)[truth])
    assert float(perfect.result()) == 1.0
