"""COCO RLE and polygon decoding against pycocotools."""

import numpy as np
import pytest

from tfdefect.data.coco_masks import decode_polygons, decode_rle, encode_rle, rle_counts

mask_utils = pytest.importorskip("pycocotools.mask")


@pytest.mark.parametrize("seed", range(3))
def test_rle_encoding_matches_pycocotools_and_round_trips(seed):
    rng = np.random.default_rng(seed)
    for _ in range(60):
        height, width = rng.integers(1, 50, 2)
        mask = rng.random((height, width)) < rng.random()
        reference = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
        ours = encode_rle(mask)
        assert ours["counts"] == reference["counts"].decode()
        assert ours["size"] == [int(height), int(width)]
        assert np.array_equal(decode_rle(ours), mask)
        uncompressed = {"size": [int(height), int(width)], "counts": rle_counts(mask)}
        assert np.array_equal(decode_rle(uncompressed), mask)
        assert np.array_equal(decode_rle(reference), mask)  # bytes counts, as pycocotools


def test_rle_whose_runs_do_not_fill_the_size_is_refused():
    with pytest.raises(ValueError, match="add up to 5"):
        decode_rle({"size": [2, 3], "counts": [2, 3]})
    with pytest.raises(ValueError, match="'size'"):
        decode_rle({"counts": "abc"})


def test_polygons_give_pycocotools_pixels():
    rectangle = [[2, 3, 12, 3, 12, 9, 2, 9]]
    reference = mask_utils.decode(mask_utils.frPyObjects(rectangle, 20, 20))[..., 0] > 0
    assert np.array_equal(decode_polygons(rectangle, 20, 20), reference)
    assert decode_polygons(rectangle, 20, 20).sum() == 60
    triangle = [[2.3, 3.1, 15.7, 5.2, 9.4, 17.8]]
    reference = mask_utils.decode(mask_utils.frPyObjects(triangle, 20, 20))[..., 0] > 0
    ours = decode_polygons(triangle, 20, 20)
    assert (ours & reference).sum() / (ours | reference).sum() > 0.9  # edge pixels differ


def test_malformed_polygon_is_refused():
    with pytest.raises(ValueError, match="at least 3 points"):
        decode_polygons([[1, 2, 3, 4]], 10, 10)
