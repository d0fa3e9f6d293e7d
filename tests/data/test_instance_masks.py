"""Instance masks from a class map, and their boxes."""

import numpy as np
import pytest

from tfdefect.data.instance_masks import instances_from_semantic, mask_box


def test_mask_box_is_end_exclusive():
    mask = np.zeros((8, 8), bool)
    mask[2:5, 3:7] = True
    assert mask_box(mask) == (2.0, 3.0, 5.0, 7.0)


def test_instances_from_semantic_components():
    semantic = np.zeros((20, 20), np.uint8)
    semantic[2:5, 2:5] = 1
    semantic[10:12, 10:15] = 1
    semantic[15:18, 1:3] = 3
    masks, boxes, labels = instances_from_semantic(semantic)
    assert sorted(labels.tolist()) == [1, 1, 3]
    assert [2, 2, 5, 5] in boxes.tolist()


def test_instance_map_must_not_mix_classes():
    semantic = np.zeros((8, 8), np.uint8)
    semantic[1:3, 1:3] = 1
    semantic[1:3, 3:5] = 2
    ids = (semantic > 0).astype(np.uint8)
    with pytest.raises(ValueError, match="covers classes"):
        instances_from_semantic(semantic, ids)
