import numpy as np
import pytest

from tfdefect.datasets.smt_pairs.synthetic import (
    DEFECT_CLASSES,
    POSITIONS,
    class_frequencies,
    possible_defects,
    render_pair,
)


def test_reference_is_the_gold_part_and_ok_tests_stay_close_to_it():
    for position in POSITIONS:
        reference, ok = render_pair(np.random.default_rng(1), position, "ok")
        again, _ = render_pair(np.random.default_rng(2), position, "ok")
        assert reference.shape == ok.shape == (64, 64, 3) and reference.dtype == np.uint8
        np.testing.assert_array_equal(reference, again)
        assert np.abs(ok.astype(int) - reference).mean() < 20


def test_every_possible_defect_changes_the_part_more_than_ok_variation():
    for position in POSITIONS:
        reference, ok = render_pair(np.random.default_rng(3), position, "ok")
        ok_change = np.abs(ok.astype(int) - reference).mean()
        for defect in possible_defects(position):
            if defect == "ok":
                continue
            _, test = render_pair(np.random.default_rng(3), position, defect)
            change = np.abs(test.astype(int) - reference).mean()
            assert change > ok_change, (position, defect)


def test_class_rules_and_skewed_frequencies():
    assert "tombstone" in possible_defects("R0402") and "tombstone" not in possible_defects("SOIC8")
    assert "solder_bridge" not in possible_defects("C0603")
    assert "wrong_polarity" in possible_defects("ECAP")
    with pytest.raises(ValueError, match="'tombstone' cannot occur at QFP_corner"):
        render_pair(np.random.default_rng(0), "QFP_corner", "tombstone")
    for position in POSITIONS:
        frequencies = class_frequencies(position)
        assert sum(frequencies.values()) == pytest.approx(1.0)
        assert max(frequencies, key=frequencies.get) == "ok" and frequencies["ok"] > 0.5
        assert set(frequencies) <= set(DEFECT_CLASSES)
    # rare classes differ by position
    assert class_frequencies("R0402")["missing"] != class_frequencies("C0603")["missing"]
