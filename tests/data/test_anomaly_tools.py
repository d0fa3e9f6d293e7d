import json
import os

import cv2
import numpy as np
import pytest

from tfdefect.data.good_image_extractor import extract_good_images
from tfdefect.data.mask_builder import build_binary_mask, build_masks, read_label_colours


def test_good_images_are_copied_flat_and_never_overwritten(tmp_path):
    source = tmp_path / "capture"
    (source / "step0" / "camera").mkdir(parents=True)
    cv2.imwrite(str(source / "step0" / "camera" / "a.png"), np.zeros((4, 4), np.uint8))
    cv2.imwrite(str(source / "b.png"), np.zeros((4, 4), np.uint8))
    (source / "notes.txt").write_text("not an image")
    destination = tmp_path / "toolbox" / "train" / "good"
    assert extract_good_images(str(source), str(destination)) == {
        "copied": 2,
        "skipped_existing": [],
    }
    assert sorted(os.listdir(destination)) == ["b.png", "step0__camera__a.png"]
    assert not (destination / "notes.txt").exists()
    (destination / "b.png").write_bytes(b"mine")
    os.remove(destination / "step0__camera__a.png")
    result = extract_good_images(str(source), str(destination))
    assert result["copied"] == 1 and result["skipped_existing"] == ["b.png"]
    assert (destination / "b.png").read_bytes() == b"mine"
    with pytest.raises(FileNotFoundError, match="nowhere: no such folder"):
        extract_good_images(str(tmp_path / "nowhere"), str(destination))


def _unity_json(path):
    document = {
        "annotationDefinitions": [
            {
                "@type": "type.unity.com/unity.solo.SemanticSegmentationAnnotation",
                "spec": [
                    {"label_name": "nail", "pixel_value": [255, 0, 0, 255]},
                    {
                        "label_name": "screw",
                        "pixel_value": {"r": 0.0, "g": 1.0, "b": 0.0, "a": 1.0},
                    },
                    {"label_name": "board", "pixel_value": [0, 0, 255, 255]},
                ],
            }
        ]
    }
    path.write_text(json.dumps(document))
    return str(path)


def test_masks_use_the_colours_from_the_json(tmp_path):
    labels_json = _unity_json(tmp_path / "labels.json")
    assert read_label_colours(labels_json) == {
        "nail": (255, 0, 0),
        "screw": (0, 255, 0),
        "board": (0, 0, 255),
    }
    rgb = np.zeros((6, 8, 3), np.uint8)
    rgb[:] = (0, 0, 255)
    rgb[1:3, 1:3] = (255, 0, 0)
    rgb[4, 5:8] = (0, 255, 0)
    segmentation = str(tmp_path / "seg_0.png")
    cv2.imwrite(segmentation, rgb[..., ::-1])
    mask = build_binary_mask(segmentation, labels_json, ["nail", "screw"])
    assert mask.sum() == (4 + 3) * 255 and mask[1, 1] == 255 and mask[0, 0] == 0
    written = build_masks([segmentation], labels_json, ["nail"], str(tmp_path / "gt"))
    assert os.path.basename(written[0]) == "seg_0_mask.png"
    assert cv2.imread(written[0], cv2.IMREAD_GRAYSCALE).sum() == 4 * 255
    with pytest.raises(FileExistsError, match="seg_0_mask.png already exists"):
        build_masks([segmentation], labels_json, ["nail"], str(tmp_path / "gt"))
    with pytest.raises(ValueError, match=r"no colour for \['rivet'\]; labels there: board, nail"):
        build_binary_mask(segmentation, labels_json, ["rivet"])
