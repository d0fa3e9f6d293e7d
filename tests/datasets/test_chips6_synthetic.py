import numpy as np
import pytest

from tfdefect.datasets.chips6.names import CHANNEL_NAMES
from tfdefect.datasets.chips6.synthetic import ChipSynthesisConfig, render_chip


def _chips(n, config=None):
    return [render_chip(np.random.default_rng(i), config) for i in range(n)]


def test_shapes_and_labels_agree():
    for chip in _chips(10):
        assert chip.image.shape == (224, 224, 6) and chip.image.dtype == np.uint8
        assert chip.semantic_mask.shape == (224, 224)
        assert len(chip.instance_masks) == len(chip.boxes) == len(chip.labels)
        for mask, box, label in zip(chip.instance_masks, chip.boxes, chip.labels, strict=True):
            assert np.all(chip.semantic_mask[mask] == label)
            ys, xs = np.nonzero(mask)
            assert (box == [ys.min(), xs.min(), ys.max() + 1, xs.max() + 1]).all()
            assert box[2] - box[0] <= 21 and box[3] - box[1] <= 21  # defects at most ~20 px


def test_same_seed_same_chip():
    a = render_chip(np.random.default_rng(5))
    b = render_chip(np.random.default_rng(5))
    assert np.array_equal(a.image, b.image) and np.array_equal(a.semantic_mask, b.semantic_mask)


def test_defect_free_fraction_is_about_16_percent():
    chips = _chips(300, ChipSynthesisConfig(image_size=64, max_defect_size=10))
    free = np.mean([len(c.labels) == 0 for c in chips])
    assert 0.09 < free < 0.24


def test_channels_show_their_defects():
    """Bumps raise the height map and the variance; dents lower it; dots darken 2D only."""
    height, intensity, variance = (
        CHANNEL_NAMES.index(n) for n in ("height", "intensity", "variance")
    )
    effects = {1: [], 2: [], 3: []}
    for chip in _chips(60):
        image = chip.image.astype(float)
        for mask, label in zip(chip.instance_masks, chip.labels, strict=True):
            ring = np.logical_xor(np.pad(mask, 4)[4:-4, 8:], mask) & (chip.semantic_mask == 0)
            if ring.sum() < 5:
                continue
            effects[label].append(
                [
                    image[..., c][mask].mean() - image[..., c][ring].mean()
                    for c in (height, intensity, variance)
                ]
            )
    bump, dent, dot = (np.mean(effects[k], axis=0) for k in (1, 2, 3))
    assert bump[0] > 10 and dent[0] < -10
    assert bump[2] > 5 and dent[2] > 5
    assert dot[1] < -30 and abs(dot[0]) < 5


def test_bad_synthesis_settings():
    with pytest.raises(ValueError, match="min_defect_size"):
        ChipSynthesisConfig(min_defect_size=30, max_defect_size=20)
