import json
import warnings

import numpy as np
import pytest
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO

from tfdefect.inference.folder_prediction import _ResultWriter
from tfdefect.inference.results import AnomalyResult, Detection, DetectionResult


def _detection_result():
    mask = np.zeros((40, 60), bool)
    mask[10:20, 5:25] = True  # rows 10..19, columns 5..24
    return DetectionResult(
        [
            Detection(2, "dent", 0.9, (5.0, 10.0, 25.0, 20.0), mask),
            Detection(1, "bump", 0.4, (30.0, 2.0, 40.0, 8.0), None),
        ],
        (40, 60),
    )


def test_predict_writes_coco_files_pycocotools_reads(tmp_path):
    writer = _ResultWriter(str(tmp_path), ["background", "bump", "dent"])
    result = _detection_result()
    writer.record({"image": "a/x.png", "name": "x.png", **result.to_dict()}, result)
    writer.record(
        {"image": "a/y.png", "name": "y.png", **DetectionResult([], (8, 8)).to_dict()},
        DetectionResult([], (8, 8)),
    )
    writer.close()
    record = json.loads((tmp_path / "predictions.jsonl").read_text().splitlines()[0])
    assert record["box_format"] == "xyxy_pixels" and record["detections"][0]["box"] == [
        5,
        10,
        25,
        20,
    ]
    coco = COCO(str(tmp_path / "coco_images.json"))
    assert [(i["file_name"], i["height"], i["width"]) for i in coco.dataset["images"]] == [
        ("x.png", 40, 60),
        ("y.png", 8, 8),
    ]
    assert [c["name"] for c in coco.dataset["categories"]] == ["bump", "dent"]
    results = coco.loadRes(str(tmp_path / "coco_results.json"))
    dent, bump = (results.anns[i] for i in sorted(results.anns))
    assert dent["bbox"] == [5.0, 10.0, 20.0, 10.0] and dent["category_id"] == 2
    np.testing.assert_array_equal(
        mask_utils.decode(dent["segmentation"]), result.detections[0].mask
    )
    assert bump["bbox"] == [30.0, 2.0, 10.0, 6.0] and dent["image_id"] == bump["image_id"] == 1


def test_anomaly_results_carry_anomalib_names_and_the_old_ones_warn():
    mask = np.zeros((4, 4), bool)
    mask[0, 0] = True
    result = AnomalyResult(3.5, True, 2.0, np.zeros((4, 4), np.float32), mask, 1.0)
    fields = result.to_dict()
    assert (fields["pred_score"], fields["pred_label"], fields["score"]) == (3.5, True, 3.5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert result.pred_mask is mask
    with pytest.warns(DeprecationWarning, match="now AnomalyResult.pred_label"):
        assert result.is_anomalous is True
    with pytest.warns(DeprecationWarning, match="now AnomalyResult.pred_mask"):
        assert result.mask is mask
