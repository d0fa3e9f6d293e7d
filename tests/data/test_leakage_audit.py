import cv2
import numpy as np
import pytest

from tfdefect.data.group_split import split_of_group
from tfdefect.data.leakage_audit import (
    LeakageError,
    audit_splits,
    group_near_duplicates,
    perceptual_hash,
)
from tfdefect.datasets.wafer_sem.synthetic import CLASS_NAMES, render_site, site_layout


def _site(index):
    layout = site_layout(np.random.default_rng(index), CLASS_NAMES[index % len(CLASS_NAMES)])
    return render_site(layout, np.random.default_rng([index, 0]))


def _re_saved(image, gain=1.05, quality=80):
    """The same shot brightened and saved again as JPEG: a classic near-duplicate."""
    brighter = np.clip(image.astype(float) * gain + 3, 0, 255).astype(np.uint8)
    encoded = cv2.imencode(".jpg", brighter, [cv2.IMWRITE_JPEG_QUALITY, quality])[1]
    return cv2.imdecode(encoded, cv2.IMREAD_GRAYSCALE)


def _clean_splits():
    return {
        "train": [(f"train/{i}.png", _site(i)) for i in range(40)],
        "test": [(f"test/{i}.png", _site(i)) for i in range(100, 120)],
    }


def test_clean_splits_have_no_leaks():
    report = audit_splits(_clean_splits())
    assert report.leaks == 0 and report.images == {"train": 40, "test": 20}


def test_planted_leaks_are_found_with_their_pairs(tmp_path):
    splits = _clean_splits()
    splits["test"].append(("test/copy_of_3.png", splits["train"][3][1].copy()))
    splits["test"].append(("test/resaved_7.png", _re_saved(splits["train"][7][1])))
    splits["test"].append(("test/5.png", _site(555)))  # same file name as train/5.png
    report = audit_splits(splits)
    assert [(p["name_a"], p["name_b"]) for p in report.exact_duplicates] == [
        ("train/3.png", "test/copy_of_3.png")
    ]
    assert [(p["name_a"], p["name_b"]) for p in report.near_duplicates] == [
        ("train/7.png", "test/resaved_7.png")
    ]
    assert report.near_duplicates[0]["bits"] <= 6
    assert [(p["name_a"], p["name_b"]) for p in report.filename_collisions] == [
        ("train/5.png", "test/5.png")
    ]
    assert report.leaks == 3 and "exact duplicates across splits: 1" in report.summary()
    assert report.write_json(str(tmp_path / "r.json"))
    with pytest.raises(LeakageError, match="near-duplicates across splits"):
        audit_splits(splits, fail_on_leak=True)


def test_near_duplicates_group_together():
    images = [_site(i) for i in range(12)]
    images += [_re_saved(images[2]), _re_saved(images[2], gain=0.95), _re_saved(images[9])]
    groups = group_near_duplicates([perceptual_hash(i) for i in images])
    assert groups[12] == groups[13] == groups[2] and groups[14] == groups[9]
    assert len(set(groups)) == 12


def test_group_split_is_stable_and_follows_the_fractions():
    assignments = [split_of_group(f"site{i}") for i in range(3000)]
    assert assignments == [split_of_group(f"site{i}") for i in range(3000)]
    shares = {s: assignments.count(s) / 3000 for s in ("train", "validation", "test")}
    assert abs(shares["train"] - 0.7) < 0.03 and abs(shares["test"] - 0.15) < 0.03
    with pytest.raises(ValueError, match="sum to 1"):
        split_of_group("x", fractions=(0.5, 0.2, 0.2))
