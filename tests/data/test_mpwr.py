import collections

import numpy as np
import pytest
import tensorflow as tf

from tfdefect.data.mpwr import class_distribution, format_weights, mpwr_dataset, mpwr_weights


def _pairs():
    """Skewed pairs: position 0 common, position 1 rare; class 0 (ok) common."""
    counts = {(0, 0): 400, (0, 1): 40, (0, 2): 4, (1, 0): 40, (1, 3): 1}
    positions, classes = [], []
    for (p, c), n in counts.items():
        positions += [p] * n
        classes += [c] * n
    return counts, {"position": np.array(positions), "defect_class": np.array(classes)}


def test_weights_follow_the_powers():
    counts, _ = _pairs()
    natural = mpwr_weights(counts, 1.0, 1.0)
    assert natural[(0, 0)] == pytest.approx(400 / 485)
    uniform = mpwr_weights(counts, 0.0, 0.0)
    assert uniform[(1, 3)] == pytest.approx(0.25) and uniform[(0, 2)] == pytest.approx(1 / 6)
    tempered = mpwr_weights(counts)
    assert sum(tempered.values()) == pytest.approx(1.0)
    assert natural[(1, 3)] < tempered[(1, 3)] < uniform[(1, 3)]
    assert class_distribution(tempered)[0] < class_distribution(natural)[0]
    with pytest.raises(ValueError, match="at least one training pair"):
        mpwr_weights({(0, 0): 0})


def test_sampled_distribution_matches_the_weights():
    counts, columns = _pairs()
    weights = mpwr_weights(counts)
    dataset = mpwr_dataset(tf.data.Dataset.from_tensor_slices(columns), weights, seed=0)
    draws = 10000
    seen = collections.Counter(
        (int(e["position"]), int(e["defect_class"]))
        for e in dataset.take(draws).as_numpy_iterator()
    )
    for key, weight in weights.items():
        expected = weight * draws
        # binomial standard deviation, 4 sigma
        assert abs(seen[key] - expected) <= 4 * np.sqrt(expected * (1 - weight)) + 1, key
    assert set(seen) == set(weights)


def test_weights_table_for_logs():
    counts, _ = _pairs()
    table = format_weights(
        mpwr_weights(counts), ["R0402", "SOT23"], ["ok", "missing", "shift", "bridge"]
    )
    assert table.splitlines()[0].split() == ["position", "ok", "missing", "shift", "bridge"]
    assert table.splitlines()[-1].startswith("per epoch")
