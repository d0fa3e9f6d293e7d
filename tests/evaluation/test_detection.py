import numpy as np
import pytest
import tensorflow as tf

from tfdefect.evaluation.detection import (
    best_f1_threshold,
    class_map,
    evaluate_detector,
)


class _Oracle:
    """A fake detector answering each image with its ground truth (score 0.9)."""

    image_shape = (16, 16, 3)

    def __init__(self, targets):
        self.targets = targets

    def predict_on_batch(self, images):
        assert images.shape[-1] == 3  # the detector sees its own channel count
        classes = self.targets["classes"]
        return {
            "num_detections": np.sum(classes > 0, axis=1),
            "class_ids": classes,
            "scores": np.where(classes > 0, 0.9, 0.0),
            "boxes": self.targets["boxes"],
            "masks": self.targets["masks"],
        }


def _batch():
    masks = np.zeros((2, 2, 16, 16), np.uint8)
    masks[0, 0, 2:6, 2:6] = 1
    masks[1, 0, 8:12, 4:10] = 1
    targets = {
        "classes": np.array([[1, 0], [2, 0]], np.int32),
        "boxes": np.array([[[2, 2, 6, 6], [0] * 4], [[8, 4, 12, 10], [0] * 4]], np.float32) / 16,
        "masks": masks,
    }
    images = np.zeros((2, 16, 16, 6), np.float32)
    return images, targets


def test_class_map_paints_later_instances_over_earlier_ones():
    masks = np.zeros((2, 4, 4), np.uint8)
    masks[0, :2, :2] = 1
    masks[1, 1:3, 1:3] = 1
    painted = class_map(np.array([1, 3]), masks)
    assert painted[0, 0] == 1 and painted[1, 1] == 3 and painted[3, 3] == 0
    assert class_map(np.array([]), np.zeros((0, 4, 4))) is None


def test_a_perfect_detector_scores_one_and_is_plotted():
    images, targets = _batch()
    dataset = tf.data.Dataset.from_tensors((images, targets))
    result, shown = evaluate_detector(_Oracle(targets), dataset, ["bump", "dent"], 0.5)
    assert result["map50"] == pytest.approx(1.0) and result["bbox_map50"] == pytest.approx(1.0)
    assert shown["images"].shape == (2, 16, 16, 6)
    np.testing.assert_array_equal(shown["prediction"], shown["truth"])
    assert set(np.unique(shown["truth"][1])) == {0, 2}


class _Shifted:
    """A fake detector: every ground-truth instance shifted 1 px right (score by order), and
    one false alarm per image."""

    image_shape = (16, 16, 3)

    def __init__(self, targets):
        self.targets = targets

    def predict_on_batch(self, images):
        classes = np.concatenate([self.targets["classes"], [[3], [1]]], axis=1)
        masks = np.roll(self.targets["masks"], 1, axis=3)
        alarm = np.zeros((2, 1, 16, 16), np.uint8)
        alarm[:, 0, 12:15, 12:15] = 1
        masks = np.concatenate([masks, alarm], axis=1)
        boxes = np.concatenate(
            [
                self.targets["boxes"] + [0, 1 / 16, 0, 1 / 16],
                np.full((2, 1, 4), [12, 12, 15, 15]) / 16,
            ],
            axis=1,
        )
        scores = np.where(classes > 0, np.linspace(0.9, 0.4, classes.shape[1])[None], 0.0)
        order = np.argsort(-scores, axis=1, kind="stable")
        take = lambda a: np.take_along_axis(a, order.reshape(order.shape + (1,) * (a.ndim - 2)), 1)
        return {
            "num_detections": np.sum(classes > 0, axis=1),
            "class_ids": take(classes),
            "scores": take(scores),
            "boxes": take(boxes),
            "masks": take(masks),
        }


def test_written_coco_results_score_the_same_in_pycocotools(tmp_path):
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    from tfdefect.evaluation.coco_results import CocoResults
    from tfdefect.evaluation.detection_evaluator import COCO_STATS

    images, targets = _batch()
    targets["classes"][0, 1] = 2  # a crowd region on the first image
    targets["masks"][0, 1, 10:15, 1:6] = 1
    targets["boxes"][0, 1] = np.array([10, 1, 15, 6]) / 16
    targets["crowd"] = np.array([[False, True], [False, False]])
    dataset = tf.data.Dataset.from_tensors((images, targets))
    collected = CocoResults(["bump", "dent", "dot"])
    result, _ = evaluate_detector(
        _Shifted(targets),
        dataset,
        ["bump", "dent", "dot"],
        0.5,
        coco_results=collected,
        file_names=["a", "b"],
    )
    detections, annotations = collected.write(str(tmp_path))
    truth = COCO(annotations)
    assert [image["file_name"] for image in truth.dataset["images"]] == ["a", "b"]
    assert [a["iscrowd"] for a in truth.dataset["annotations"]] == [0, 1, 0]
    for iou_type, ours in (("segm", result["coco"]), ("bbox", result["bbox_coco"])):
        evaluation = COCOeval(truth, truth.loadRes(detections), iou_type)
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
        for (key, *_), value in zip(COCO_STATS, evaluation.stats, strict=True):
            assert ours[key] == pytest.approx(value, abs=1e-6), (iou_type, key)
    assert 0 < result["coco"]["AP"] < 1


class _WithFalseAlarm(_Oracle):
    """The ground truth at score 0.9 plus one false alarm at score 0.6 on every image."""

    def predict_on_batch(self, images):
        outputs = super().predict_on_batch(images)
        classes = self.targets["classes"]
        alarm_mask = np.zeros((len(classes), 1, 16, 16), np.uint8)
        alarm_mask[:, 0, 13:16, 13:16] = 1
        return {
            "num_detections": outputs["num_detections"] + 1,
            "class_ids": np.concatenate([classes[:, :1], np.ones((len(classes), 1))], 1),
            "scores": np.concatenate(
                [outputs["scores"][:, :1], np.full((len(classes), 1), 0.6)], 1
            ),
            "boxes": np.concatenate(
                [self.targets["boxes"][:, :1], np.tile([[[13, 13, 16, 16]]], (2, 1, 1)) / 16], 1
            ),
            "masks": np.concatenate([self.targets["masks"][:, :1], alarm_mask], 1),
        }


def test_f1_by_threshold_sees_the_false_alarms_drop_out():
    images, targets = _batch()
    dataset = tf.data.Dataset.from_tensors((images, targets))
    result, _ = evaluate_detector(
        _WithFalseAlarm(targets), dataset, ["bump", "dent"], 0.5, f1_thresholds=(0.5, 0.7)
    )
    low, high = result["f1_by_threshold"]
    assert low["instance_precision"] == pytest.approx(0.5) and low["instance_recall"] == 1.0
    assert high["instance_f1"] == pytest.approx(1.0)
    assert result["score_threshold"] == 0.5 and result["instance_f1"] == low["instance_f1"]
    assert best_f1_threshold(result["f1_by_threshold"]) == 0.7


def test_best_f1_threshold_breaks_ties_towards_the_preferred_score():
    table = [
        {"score_threshold": t, "instance_f1": f}
        for t, f in ((0.3, 0.5), (0.45, 0.8), (0.6, 0.8), (0.9, 0.1))
    ]
    assert best_f1_threshold(table) == 0.45
    assert best_f1_threshold(table, prefer=0.7) == 0.6
