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


def test_group_counter_counts_the_drawn_pairs_and_resets():
    from tfdefect.data.group_counter import GroupCounter

    counts, columns = _pairs()
    weights = mpwr_weights(counts)
    counter = GroupCounter(num_positions=2, num_classes=4)
    dataset = mpwr_dataset(tf.data.Dataset.from_tensor_slices(columns), weights, seed=1)
    dataset = dataset.map(lambda e: counter.count(e, position_key="position"))
    seen = collections.Counter(
        (int(e["position"]), int(e["defect_class"])) for e in dataset.take(3000).as_numpy_iterator()
    )
    drawn = counter.take()
    assert drawn.sum() == 3000
    for (p, c), n in seen.items():
        assert drawn[p, c] == n
    assert counter.take().sum() == 0


def test_sampled_distribution_logger_writes_drawn_and_expected_shares(tmp_path, caplog):
    import json

    from tfdefect.callbacks.sampled_distribution_logger import SampledDistributionLogger
    from tfdefect.data.group_counter import GroupCounter

    counter = GroupCounter(2, 3)
    counter.counts.assign([[6, 2, 0], [1, 0, 1]])
    expected = np.array([[0.5, 0.2, 0.0], [0.2, 0.0, 0.1]])
    logger = SampledDistributionLogger(
        counter, expected, ["R0402", "SOT23"], ["ok", "a", "b"], str(tmp_path)
    )
    caplog.set_level("INFO", logger="tfdefect")
    logger.on_epoch_end(0)
    assert "ok 0.700 (0.700)" in caplog.text
    record = json.loads((tmp_path / "sampled_distribution.jsonl").read_text())
    assert record["counts"]["SOT23"] == {"ok": 1, "a": 0, "b": 1}
    assert record["class_share"]["a"] == 0.2 and record["expected_class_share"][
        "b"
    ] == pytest.approx(0.1)
    assert counter.counts.numpy().sum() == 0
