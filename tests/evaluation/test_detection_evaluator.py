"""DetectionEvaluator against pycocotools' COCOeval on the same detections: the twelve
summary figures and the per-class AP, AP50, AP75, AR100, with crowd regions, objects of
every area range and more detections than maxDets 1 and 10."""

import numpy as np
import pytest

from tfdefect.evaluation.detection_evaluator import (
    DetectionEvaluator,
    coco_metric_lines,
)

pycocotools = pytest.importorskip("pycocotools")
from pycocotools import mask as mask_utils  # noqa: E402
from pycocotools.coco import COCO  # noqa: E402
from pycocotools.cocoeval import COCOeval  # noqa: E402

NAMES = ["bump", "dent", "dot"]
SIZE = 128
STAT_KEYS = ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"]


def _box_mask(box):
    mask = np.zeros((SIZE, SIZE), np.uint8)
    y1, x1, y2, x2 = (int(v) for v in box)
    mask[y1:y2, x1:x2] = 1
    return mask


def _random_box(rng):
    size = rng.choice([6, 20, 40, 110])  # small, small/medium, medium, large
    h, w = np.maximum(rng.integers(size // 2, size + 1, 2), 3)
    y, x = rng.integers(0, SIZE - h + 1), rng.integers(0, SIZE - w + 1)
    return np.array([y, x, y + h, x + w], float)


def _scene(seed=0, images=14):
    """[(ground truth [(class, box, crowd)], detections [(class, box, score)])] per image."""
    rng = np.random.default_rng(seed)
    scene = []
    for index in range(images):
        gts = [
            (int(rng.integers(1, 4)), _random_box(rng), bool(rng.random() < 0.15))
            for _ in range(rng.integers(0, 5))
        ]
        dets = []
        for label, box, _ in gts:
            if rng.random() < 0.8:  # found, roughly
                jitter = rng.integers(-3, 4, 4)
                wrong_class = rng.random() < 0.1
                dets.append(
                    (
                        label % 3 + 1 if wrong_class else label,
                        box + jitter,
                        float(rng.uniform(0.3, 1.0)),
                    )
                )
        false_alarms = 14 if index % 4 == 0 else rng.integers(0, 3)  # beyond maxDets 1, 10
        for _ in range(false_alarms):
            dets.append((int(rng.integers(1, 4)), _random_box(rng), float(rng.uniform(0, 0.8))))
        scene.append((gts, [(c, np.clip(b, 0, SIZE), s) for c, b, s in dets]))
    return scene


def _ours(scene, iou_type):
    evaluator = DetectionEvaluator(NAMES, iou_type=iou_type)
    for gts, dets in scene:
        gt_boxes = np.array([b for _, b, _ in gts]).reshape(-1, 4)
        det_boxes = np.array([b for _, b, _ in dets]).reshape(-1, 4)
        evaluator.update(
            [c for c, _, _ in gts],
            gt_boxes,
            np.array([_box_mask(b) for b in gt_boxes]).reshape(-1, SIZE, SIZE),
            [c for c, _, _ in dets],
            [s for _, _, s in dets],
            det_boxes,
            np.array([_box_mask(b) for b in det_boxes]).reshape(-1, SIZE, SIZE),
            gt_crowd=[crowd for _, _, crowd in gts],
        )
    return evaluator.result()


def _rle(box):
    rle = mask_utils.encode(np.asfortranarray(_box_mask(box)))
    rle["counts"] = rle["counts"].decode()
    return rle


def _coco(scene, iou_type):
    images, annotations, results = [], [], []
    for image_id, (gts, dets) in enumerate(scene, start=1):
        images.append({"id": image_id, "height": SIZE, "width": SIZE})
        for label, box, crowd in gts:
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": image_id,
                    "category_id": label,
                    "iscrowd": int(crowd),
                    "area": float(_box_mask(box).sum()),
                    "bbox": [box[1], box[0], box[3] - box[1], box[2] - box[0]],
                    "segmentation": _rle(box),
                }
            )
        for label, box, score in dets:
            results.append(
                {
                    "image_id": image_id,
                    "category_id": label,
                    "score": score,
                    "bbox": [box[1], box[0], box[3] - box[1], box[2] - box[0]],
                    "segmentation": _rle(box),
                }
            )
    truth = COCO()
    truth.dataset = {
        "images": images,
        "annotations": annotations,
        "categories": [{"id": i + 1, "name": n} for i, n in enumerate(NAMES)],
    }
    truth.createIndex()
    evaluation = COCOeval(truth, truth.loadRes(results), iou_type)
    evaluation.evaluate()
    evaluation.accumulate()
    evaluation.summarize()
    precision = evaluation.eval["precision"]  # [T, R, K, area, maxDets]
    recall = evaluation.eval["recall"]  # [T, K, area, maxDets]
    per_class = {}
    for k, name in enumerate(NAMES):

        def mean(values):
            values = values[values > -1]
            return float(values.mean()) if values.size else np.nan

        per_class[name] = {
            "ap": mean(precision[:, :, k, 0, 2]),
            "ap50": mean(precision[0, :, k, 0, 2]),
            "ap75": mean(precision[5, :, k, 0, 2]),
            "ar100": mean(recall[:, k, 0, 2]),
        }
    return dict(zip(STAT_KEYS, evaluation.stats, strict=True)), per_class


@pytest.mark.parametrize("iou_type", ["bbox", "segm"])
@pytest.mark.parametrize("seed", [0, 1, 3])
def test_coco_metrics_match_pycocotools(iou_type, seed):
    scene = _scene(seed)
    ours = _ours(scene, iou_type)
    stats, per_class = _coco(scene, iou_type)
    assert any(crowd for gts, _ in scene for _, _, crowd in gts)
    for key in STAT_KEYS:
        assert ours["coco"][key] == pytest.approx(stats[key], abs=1e-9), key
    for name in NAMES:
        for key in ("ap", "ap50", "ap75", "ar100"):
            assert ours["per_class"][name][key] == pytest.approx(
                per_class[name][key], abs=1e-9, nan_ok=True
            ), (name, key)
    assert ours["map50"] == ours["coco"]["AP50"] and ours["map"] == ours["coco"]["AP"]


def test_metric_lines_read_like_cocoeval():
    lines = coco_metric_lines({key: 0.5 for key in STAT_KEYS})
    assert len(lines) == 12
    assert lines[0] == (
        " Average Precision  (AP) @[ IoU=0.50:0.95 | area=   all | maxDets=100 ] = 0.500"
    )
    assert "maxDets=  1" in lines[6] and "area= small" in lines[9]


def test_f1_scores_on_a_known_case():
    evaluator = DetectionEvaluator(NAMES, iou_type="bbox", score_threshold=0.5)
    box = np.array([[0, 0, 10, 10]], float)
    evaluator.update([1], box, None, [1], [0.9], box, None)  # hit
    evaluator.update([2], box, None, [], [], np.zeros((0, 4)), None)  # missed chip
    evaluator.update([], np.zeros((0, 4)), None, [3], [0.8], box, None)  # false alarm
    evaluator.update([], np.zeros((0, 4)), None, [3], [0.2], box, None)  # below threshold
    scores = evaluator.f1_scores()
    assert scores["instance_precision"] == 0.5 and scores["instance_recall"] == 0.5
    assert scores["image_recall"] == 0.5 and scores["image_precision"] == 0.5


def test_detections_on_crowd_regions_count_neither_way():
    evaluator = DetectionEvaluator(NAMES, iou_type="bbox", score_threshold=0.5)
    box = np.array([[0, 0, 10, 10]], float)
    inside = np.array([[2, 2, 6, 6]], float)
    evaluator.update([1], box, None, [1], [0.9], inside, None, gt_crowd=[True])
    evaluator.update([1], box, None, [1], [0.9], box, None)  # a plain hit
    scores = evaluator.f1_scores()
    assert scores["instance_precision"] == 1.0 and scores["instance_recall"] == 1.0
    assert scores["image_precision"] == 1.0
    assert evaluator.result()["coco"]["AP50"] == pytest.approx(1.0)
