"""Shared checks that an export predicts the same through every runtime and the CLI."""

import json
import os

import numpy as np

import tfdefect
from tfdefect.cli import main


def _comparable(result) -> dict:
    fields = result.to_dict()
    return {k: v for k, v in fields.items() if not isinstance(v, (dict, list, float))}


def check_predictions(paths, images, task, class_names, tmp_path, cli_inputs, **kwargs):
    """Every model path in ``paths`` loads as a Predictor of ``task`` with ``class_names``
    and gives the same verdicts on ``images``; ``tfdefect predict`` on the first path and
    ``cli_inputs`` (file paths) writes one JSON line and one picture per input.

    Returns the first path's results."""
    reference_results = None
    for path in paths:
        predictor = tfdefect.load(str(path))
        assert predictor.task == task, path
        assert predictor.class_names == list(class_names), path
        results = predictor.predict(images, **kwargs)
        assert len(results) == len(images)
        if reference_results is None:
            reference_results = results
            continue
        for got, expected in zip(results, reference_results, strict=True):
            assert _comparable(got) == _comparable(expected), path
    out = tmp_path / f"predict_{task}"
    flags = []
    if "reference" in kwargs:
        np.save(tmp_path / "reference.npy", np.asarray(kwargs["reference"]))
        flags = ["--reference", str(tmp_path / "reference.npy")]
    if "position_id" in kwargs:
        flags = ["--position-id", str(kwargs["position_id"])]
    code = main(["predict", str(paths[0]), *map(str, cli_inputs), "--output", str(out), *flags])
    assert code == 0
    lines = (out / "predictions.jsonl").read_text().splitlines()
    assert len(lines) == len(cli_inputs)
    records = [json.loads(line) for line in lines]
    for record in records:
        assert record["task"] == task and "verdict" in record
        assert os.path.getsize(out / record["picture"]) > 0
        if task == "anomaly":  # anomalib's names, the former key beside them
            assert record["pred_label"] == (record["verdict"] == "anomalous")
            assert record["pred_score"] == record["score"]
    assert (out / "predictions.csv").exists()
    if task == "detection":
        _check_coco_files(out, records, class_names)
    return reference_results


def _check_coco_files(out, records, class_names):
    """coco_images.json + coco_results.json hold every record's detections, boxes as
    [x, y, w, h] of the records' [x_min, y_min, x_max, y_max], and load in pycocotools."""
    from pycocotools.coco import COCO

    coco = COCO(str(out / "coco_images.json"))
    assert [image["file_name"] for image in coco.dataset["images"]] == [r["name"] for r in records]
    assert [c["name"] for c in coco.dataset["categories"]] == list(class_names[1:])
    results = json.loads((out / "coco_results.json").read_text())
    expected = [
        (index + 1, d["class_id"], d["box"])
        for index, record in enumerate(records)
        for d in record["detections"]
    ]
    assert len(results) == len(expected)
    for row, (image_id, class_id, (x1, y1, x2, y2)) in zip(results, expected, strict=True):
        assert (row["image_id"], row["category_id"]) == (image_id, class_id)
        np.testing.assert_allclose(row["bbox"], [x1, y1, x2 - x1, y2 - y1], atol=0.02)
    if results:
        assert len(coco.loadRes(str(out / "coco_results.json")).getAnnIds()) == len(results)
