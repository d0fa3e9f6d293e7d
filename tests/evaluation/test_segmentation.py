import numpy as np
from sklearn.metrics import f1_score, jaccard_score

from tfdefect.evaluation.segmentation import SegmentationEvaluator

NAMES = ["background", "bump", "dent", "dot"]


def test_matches_scikit_learn_per_class():
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 4, (5, 8, 8))
    prediction = np.where(rng.random((5, 8, 8)) < 0.7, truth, rng.integers(0, 4, (5, 8, 8)))
    evaluator = SegmentationEvaluator(NAMES)
    evaluator.update(truth[:2], prediction[:2])
    evaluator.update(truth[2:], prediction[2:])
    result = evaluator.result()
    iou = jaccard_score(truth.ravel(), prediction.ravel(), average=None)
    f1 = f1_score(truth.ravel(), prediction.ravel(), average=None)
    for k, name in enumerate(NAMES):
        assert np.isclose(result["per_class"][name]["iou"], iou[k])
        assert np.isclose(result["per_class"][name]["f1"], f1[k])


def test_all_background_prediction_scores_zero_on_defects():
    truth = np.zeros((4, 16, 16), np.int64)
    truth[0, 2:6, 2:6] = 1
    truth[1, 8:10, 8:10] = 3
    evaluator = SegmentationEvaluator(NAMES)
    evaluator.update(truth, np.zeros_like(truth))
    result = evaluator.result()
    assert result["pixel_accuracy"] > 0.97  # what fooled the seed
    assert result["mean_defect_iou"] == 0.0 and result["mean_defect_f1"] == 0.0
    assert result["defect_image_recall"] == 0.0 and result["defect_pixel_recall"] == 0.0


def test_image_level_scores():
    truth = np.zeros((3, 8, 8), np.int64)
    truth[0, :2, :2] = 2
    truth[1, :2, :2] = 1
    prediction = np.zeros_like(truth)
    prediction[0, :3, :3] = 2  # found
    prediction[2, :2, :2] = 1  # false alarm on a clean chip
    evaluator = SegmentationEvaluator(NAMES, min_defect_pixels=4)
    evaluator.update(truth, prediction)
    result = evaluator.result()
    assert result["defect_image_recall"] == 0.5
    assert result["defect_image_precision"] == 0.5
