"""Reading Matterport's VIA region annotations of chips."""

import json

import numpy as np
import pytest

from tests.annotated_chips import NAMES, synthetic_chips, write_via_split
from tfdefect.data.coco_annotations import AnnotationError
from tfdefect.data.via_annotations import VIA_FILE
from tfdefect.datasets.chips6.splits import read_via_split


def test_rect_regions_read_back_as_the_chips_boxes(tmp_path):
    chips = synthetic_chips(4)
    write_via_split(str(tmp_path), chips)
    read = list(read_via_split(str(tmp_path), 64, NAMES))
    assert [key for key, _ in read] == [f"{key}.tiff" for key, _ in chips]
    for (_, original), (_, back) in zip(chips, read, strict=True):
        assert np.array_equal(original["image"], back["image"])
        assert np.array_equal(original["labels"], back["labels"])
        assert np.array_equal(original["boxes"], back["boxes"])  # rect regions = the boxes


def _via(tmp_path, regions, as_dict=False, project=False):
    write_via_split(str(tmp_path), synthetic_chips(1))
    path = tmp_path / VIA_FILE
    content = json.loads(path.read_text())
    entry = next(iter(content.values()))
    entry["regions"] = {str(i): r for i, r in enumerate(regions)} if as_dict else regions
    if project:
        content = {"_via_settings": {}, "_via_img_metadata": content}
    path.write_text(json.dumps(content))


@pytest.mark.parametrize("as_dict, project", [(True, False), (False, True)])
def test_polygons_circles_and_crowd_in_via1_and_via2_files(tmp_path, as_dict, project):
    regions = [
        {
            "shape_attributes": {
                "name": "polygon",
                "all_points_x": [10, 20, 20, 10],
                "all_points_y": [10, 10, 30, 30],
            },
            "region_attributes": {"defect": "dent"},
        },
        {
            "shape_attributes": {"name": "circle", "cx": 45, "cy": 45, "r": 6},
            "region_attributes": {"class": "dot", "iscrowd": "1"},
        },
    ]
    _via(tmp_path, regions, as_dict, project)
    ((_, chip),) = read_via_split(str(tmp_path), 64, NAMES)
    assert chip["labels"].tolist() == [2, 3] and chip["is_crowd"].tolist() == [False, True]
    assert chip["instance_masks"][0].sum() == 200
    assert abs(int(chip["instance_masks"][1].sum()) - round(np.pi * 36)) < 8


def test_one_class_datasets_accept_regions_without_attributes(tmp_path):
    _via(
        tmp_path,
        [
            {
                "shape_attributes": {"name": "rect", "x": 2, "y": 3, "width": 5, "height": 4},
                "region_attributes": {},
            }
        ],
    )
    ((_, chip),) = read_via_split(str(tmp_path), 64, ["scratch"])
    assert chip["labels"].tolist() == [1] and chip["instance_masks"].sum() == 20


@pytest.mark.parametrize(
    "region, message",
    [
        (
            {
                "shape_attributes": {"name": "rect", "x": 2, "y": 3, "width": 5, "height": 4},
                "region_attributes": {"class": "scratch"},
            },
            "region 0: class 'scratch' is not one of",
        ),
        (
            {
                "shape_attributes": {"name": "point", "cx": 2, "cy": 3},
                "region_attributes": {"class": "dot"},
            },
            "region 0: shape 'point' is not",
        ),
        (
            {
                "shape_attributes": {"name": "circle", "cx": 2},
                "region_attributes": {"class": "dot"},
            },
            "region 0: shape_attributes lack 'r'",
        ),
        (
            {
                "shape_attributes": {"name": "rect", "x": 2, "y": 3, "width": 5, "height": 4},
                "region_attributes": {},
            },
            "region 0: region_attributes {} name no class",
        ),
        (
            {
                "shape_attributes": {"name": "rect", "x": 90, "y": 90, "width": 5, "height": 4},
                "region_attributes": {"class": "dot"},
            },
            "region 0: region covers no pixel",
        ),
    ],
)
def test_malformed_regions_name_the_file_and_region(tmp_path, region, message):
    _via(tmp_path, [region])
    with pytest.raises(AnnotationError, match=f"chip_000.tiff {message}"):
        list(read_via_split(str(tmp_path), 64, NAMES))
