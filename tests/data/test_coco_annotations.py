"""Reading and writing COCO instance annotations of chips."""

import json

import numpy as np
import pytest

from tests.annotated_chips import NAMES, synthetic_chips
from tfdefect.data.coco_annotations import COCO_FILE, AnnotationError
from tfdefect.datasets.chips6.splits import read_coco_split, write_coco_split


@pytest.mark.parametrize("tiff", [False, True])
def test_synthetic_chips_round_trip_through_coco_json(tmp_path, tiff):
    chips = synthetic_chips(5)
    write_coco_split(str(tmp_path), chips, NAMES, tiff=tiff)
    read = list(read_coco_split(str(tmp_path), 64, NAMES))
    assert [key for key, _ in read] == [f"{key}.tiff" if tiff else key for key, _ in chips]
    for (_, original), (_, back) in zip(chips, read, strict=True):
        for field in ("image", "semantic_mask", "instance_masks", "boxes", "labels", "is_crowd"):
            assert np.array_equal(original[field], back[field]), field
    assert any(len(chip["labels"]) for _, chip in chips)


def _coco_file(tmp_path, annotations, categories=None):
    chips = synthetic_chips(1)
    write_coco_split(str(tmp_path), chips, NAMES)
    path = tmp_path / COCO_FILE
    content = json.loads(path.read_text())
    content["annotations"] = annotations
    if categories is not None:
        content["categories"] = categories
    path.write_text(json.dumps(content))
    return content


def test_polygons_and_crowd_regions_are_read(tmp_path):
    _coco_file(
        tmp_path,
        [
            {
                "id": 7,
                "image_id": 1,
                "category_id": 2,
                "iscrowd": 0,
                "segmentation": [[10, 10, 20, 10, 20, 30, 10, 30]],
            },
            {
                "id": 8,
                "image_id": 1,
                "category_id": 3,
                "iscrowd": 1,
                "segmentation": {"size": [64, 64], "counts": [64 * 40, 64 * 4, 64 * 20]},
            },
        ],
    )
    ((_, chip),) = read_coco_split(str(tmp_path), 64, NAMES)
    assert chip["labels"].tolist() == [2, 3] and chip["is_crowd"].tolist() == [False, True]
    assert chip["instance_masks"][0].sum() == 200
    assert chip["boxes"][0].tolist() == [10, 10, 30, 20]
    assert chip["instance_masks"][1][:, 40:44].all() and chip["instance_masks"][1].sum() == 256
    assert chip["semantic_mask"][15, 15] == 2 and chip["semantic_mask"][0, 41] == 3


@pytest.mark.parametrize(
    "annotation, categories, message",
    [
        (
            {"id": 5, "image_id": 1, "category_id": 9, "segmentation": [[1, 1, 5, 1, 5, 5]]},
            None,
            r"annotation 5 \(image 1, chip_000\): category_id 9 is not in 'categories'",
        ),
        (
            {"id": 5, "image_id": 1, "category_id": 1, "segmentation": [[1, 1, 5, 1, 5, 5]]},
            [{"id": 1, "name": "scratch"}],
            r"annotation 5 .*'scratch' is not one of",
        ),
        (
            {
                "id": 6,
                "image_id": 1,
                "category_id": 1,
                "segmentation": {"size": [32, 32], "counts": [1024]},
            },
            None,
            r"annotation 6 .*RLE size \[32, 32\], the image is 64x64",
        ),
        (
            {"id": 7, "image_id": 1, "category_id": 1, "segmentation": [[1, 1, 5, 1]]},
            None,
            r"annotation 7 .*at least 3 points",
        ),
        (
            {"id": 8, "image_id": 1, "category_id": 1, "segmentation": [[70, 70, 80, 70, 80, 80]]},
            None,
            r"annotation 8 .*covers no pixel",
        ),
        (
            {"id": 9, "image_id": 4, "category_id": 1, "segmentation": [[1, 1, 5, 1, 5, 5]]},
            None,
            r"annotation 9: image_id 4 is not in 'images'",
        ),
        ({"id": 10, "image_id": 1, "category_id": 1}, None, r"annotation 10 .*no 'segmentation'"),
    ],
)
def test_malformed_annotations_name_the_image_and_annotation(
    tmp_path, annotation, categories, message
):
    _coco_file(tmp_path, [annotation], categories)
    with pytest.raises(AnnotationError, match=message):
        list(read_coco_split(str(tmp_path), 64, NAMES))


def test_missing_image_file_and_bad_json_are_reported(tmp_path):
    content = _coco_file(tmp_path, [])
    content["images"][0]["file_name"] = "absent"
    (tmp_path / COCO_FILE).write_text(json.dumps(content))
    with pytest.raises(AnnotationError, match="absent: no such chip folder or file"):
        list(read_coco_split(str(tmp_path), 64, NAMES))
    (tmp_path / COCO_FILE).write_text("{not json")
    with pytest.raises(AnnotationError, match="not valid JSON"):
        list(read_coco_split(str(tmp_path), 64, NAMES))
    (tmp_path / COCO_FILE).write_text("{}")
    with pytest.raises(AnnotationError, match="not COCO instance annotations"):
        list(read_coco_split(str(tmp_path), 64, NAMES))
