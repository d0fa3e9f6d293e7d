"""DetectionEvaluator against pycocotools on the same detections."""

import numpy as np
import pytest

from tfdefect.metrics.detection_evaluator import DetectionEvaluator

pycocotools = pytest.importorskip("pycocotools")
from pycocotools import mask as mask_utils  # noqa: E402
from pycocotools.coco import COCO  # noqa: E402
from pycocotools.cocoeval import COCOeval  # noqa: E402

NAMES = ["bump", "dent", "dot"]
SIZE = 48


def _box_mask(box):
    mask = np.zeros((SIZE, SIZE), np.uint8)
    y1, x1, y2, x2 = (int(v) for v in box)
    mask[y1:y2, x1:x2] = 1
    return mask


def _random_box(rng):
    y, x = rng.integers(0, SIZE - 12, 2)
    h, w = rng.integers(4, 12, 2)
    return np.array([y, x, y + h, x + w], float)


def _scene(seed=0, images=12):
    rng = np.random.default_rng(seed)
    scene = []
    for _ in range(images):
        gts = [(int(rng.integers(1, 4)), _random_box(rng)) for _ in range(rng.integers(0, 4))]
        dets = []
        for label, box in gts:
            if rng.random() < 0.8:  # found, roughly
                jitter = rng.integers(-2, 3, 4)
                wrong_class = rng.random() < 0.1
                dets.append(
                    (
                        label % 3 + 1 if wrong_class else label,
                        box + jitter,
                        float(rng.uniform(0.3, 1.0)),
                    )
                )
        for _ in range(rng.integers(0, 3)):  # false alarms
            dets.append((int(rng.integers(1, 4)), _random_box(rng), float(rng.uniform(0, 0.8))))
        scene.append((gts, dets))
    return scene


def _ours(scene, iou_type):
    evaluator = DetectionEvaluator(NAMES, iou_type=iou_type)
    for gts, dets in scene:
        gt_boxes = np.array([b for _, b in gts]).reshape(-1, 4)
        det_boxes = np.array([np.clip(b, 0, SIZE) for _, b, _ in dets]).reshape(-1, 4)
        evaluator.update(
            [c for c, _ in gts],
            gt_boxes,
            np.array([_box_mask(b) for b in gt_boxes]).reshape(-1, SIZE, SIZE),
            [c for c, _, _ in dets],
            [s for _, _, s in dets],
            det_boxes,
            np.array([_box_mask(b) for b in det_boxes]).reshape(-1, SIZE, SIZE),
        )
    return evaluator.result()


def _coco(scene, iou_type):
    images, annotations, results = [], [], []
    for image_id, (gts, dets) in enumerate(scene, start=1):
        images.append({"id": image_id, "height": SIZE, "width": SIZE})
        for label, box in gts:
            mask = _box_mask(box)
            rle = mask_utils.encode(np.asfortranarray(mask))
            rle["counts"] = rle["counts"].decode()
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": image_id,
                    "category_id": label,
                    "iscrowd": 0,
                    "area": float(mask.sum()),
                    "bbox": [box[1], box[0], box[3] - box[1], box[2] - box[0]],
                    "segmentation": rle,
                }
            )
        for label, box, score in dets:
            box = np.clip(box, 0, SIZE)
            mask = _box_mask(box)
            rle = mask_utils.encode(np.asfortranarray(mask))
            rle["counts"] = rle["counts"].decode()
            results.append(
                {
                    "image_id": image_id,
                    "category_id": label,
                    "score": score,
                    "bbox": [box[1], box[0], box[3] - box[1], box[2] - box[0]],
                    "segmentation": rle,
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
    precision = evaluation.eval["precision"]  # [T, R, K, area, maxDets]
    per_class = {}
    for k, name in enumerate(NAMES):
        at = [precision[t, :, k, 0, 2] for t in range(10)]
        aps = [p[p > -1].mean() if (p > -1).any() else np.nan for p in at]
        per_class[name] = {"ap50": aps[0], "ap": float(np.mean(aps))}
    return per_class


@pytest.mark.parametrize("iou_type", ["bbox", "segm"])
@pytest.mark.parametrize("seed", [0, 1])
def test_average_precision_matches_pycocotools(iou_type, seed):
    scene = _scene(seed)
    ours = _ours(scene, iou_type)
    reference = _coco(scene, iou_type)
    for name in NAMES:
        assert ours["per_class"][name]["ap50"] == pytest.approx(reference[name]["ap50"], abs=1e-6)
        assert ours["per_class"][name]["ap"] == pytest.approx(reference[name]["ap"], abs=1e-6)


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
