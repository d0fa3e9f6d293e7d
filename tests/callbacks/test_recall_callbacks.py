import keras
import numpy as np
import pytest
import tensorflow as tf

from tfdefect.callbacks import PerClassRecall, RecallWeightedTraining
from tfdefect.losses import ClassWeightedCrossentropy


def test_class_weighted_crossentropy_follows_its_variable():
    probabilities = np.array([[0.7, 0.3], [0.2, 0.8]], "float32")
    labels = np.array([0, 1])
    loss = ClassWeightedCrossentropy([1.0, 3.0], reduction="none")
    expected = -np.log([0.7, 0.8]) * [1.0, 3.0]
    np.testing.assert_allclose(loss(labels, probabilities), expected, rtol=1e-5)
    loss.class_weights.assign([2.0, 0.5])
    np.testing.assert_allclose(
        loss(labels, probabilities), -np.log([0.7, 0.8]) * [2.0, 0.5], rtol=1e-5
    )
    assert ClassWeightedCrossentropy.from_config(
        loss.get_config()
    ).class_weights.numpy().tolist() == [2.0, 0.5]


class _FixedModel:
    """predict_on_batch returns the one-hot of a fixed prediction per sample."""

    def __init__(self, predictions, classes):
        self.predictions = np.asarray(predictions)
        self.classes = classes

    def predict_on_batch(self, indices):
        return np.eye(self.classes)[self.predictions[np.asarray(indices)]]

    def save(self, path):
        with open(path, "w") as handle:
            handle.write("saved")


def test_per_class_recall_logs_and_keeps_the_best(tmp_path):
    truth = np.array([0, 0, 0, 0, 1, 1, 2, 2])
    data = [(np.arange(4), truth[:4]), (np.arange(4, 8), truth[4:])]
    callback = PerClassRecall(data, ["ok", "a", "b"], best_path=str(tmp_path / "best.keras"))
    callback.set_model(_FixedModel([0, 0, 1, 1, 1, 1, 0, 2], 3))
    logs = {}
    callback.on_epoch_end(0, logs)
    assert (
        logs["val_recall_ok"] == 0.5 and logs["val_recall_a"] == 1.0 and logs["val_recall_b"] == 0.5
    )
    assert logs["val_macro_recall"] == pytest.approx(2 / 3)
    assert (tmp_path / "best.keras").exists()
    (tmp_path / "best.keras").unlink()
    callback.set_model(_FixedModel([0, 1, 1, 1, 1, 1, 0, 0], 3))
    callback.on_epoch_end(1, logs)  # worse: no new save
    assert not (tmp_path / "best.keras").exists()


def test_recall_weighting_raises_lagging_classes_within_bounds():
    loss = ClassWeightedCrossentropy([1.0, 2.0, 1.0])
    callback = RecallWeightedTraining(
        loss, ["ok", "a", "b"], strength=2.0, min_factor=0.5, max_factor=3.0
    )
    logs = {"val_macro_recall": 0.6, "val_recall_ok": 0.9, "val_recall_a": 0.3, "val_recall_b": 0.6}
    callback.on_epoch_end(0, logs)
    weights = loss.class_weights.numpy()
    assert weights[1] > 2.0 and weights[0] < 1.0 and weights[2] == pytest.approx(1.0)
    assert logs["loss_weight_a"] == pytest.approx(weights[1])
    for epoch in range(20):
        callback.on_epoch_end(epoch, dict(logs))
    np.testing.assert_allclose(loss.class_weights.numpy(), [0.5, 6.0, 1.0], rtol=1e-6)
    with pytest.raises(KeyError, match="PerClassRecall"):
        callback.on_epoch_end(0, {})


def test_recall_weighting_waits_for_its_warmup_epochs():
    loss = ClassWeightedCrossentropy([1.0, 2.0])
    callback = RecallWeightedTraining(loss, ["ok", "a"], warmup_epochs=3, verbose=False)
    logs = {"val_macro_recall": 0.5, "val_recall_ok": 1.0, "val_recall_a": 0.0}
    for epoch in range(2):  # epochs 1 and 2: the starting weights, logged
        seen = dict(logs)
        callback.on_epoch_end(epoch, seen)
        np.testing.assert_allclose(loss.class_weights.numpy(), [1.0, 2.0])
        assert seen["loss_weight_a"] == pytest.approx(2.0)
    callback.on_epoch_end(2, dict(logs))  # after epoch 3: the first update
    weights = loss.class_weights.numpy()
    assert weights[1] > 2.0 and weights[0] < 1.0
    with pytest.raises(ValueError, match="warmup_epochs -1: must be 0 or more"):
        RecallWeightedTraining(loss, ["ok", "a"], warmup_epochs=-1)


def test_recall_first_training_on_a_toy_problem(tmp_path):
    """Class 1 is rare and overlaps class 0: plain training misses it; the recall callbacks
    raise its loss weight, and its validation recall goes up."""
    rng = np.random.default_rng(0)
    x0 = rng.normal(0.0, 1.0, (400, 2))
    x1 = rng.normal(1.2, 1.0, (40, 2))
    x = np.concatenate([x0, x1]).astype("float32")
    y = np.array([0] * 400 + [1] * 40)
    validation = tf.data.Dataset.from_tensor_slices((x, y)).batch(128)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2, activation="softmax")])
    loss = ClassWeightedCrossentropy([1.0, 1.0])
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss=loss)
    recall = PerClassRecall(validation, ["ok", "defect"], verbose=False)
    weighting = RecallWeightedTraining(
        loss, ["ok", "defect"], strength=2.0, max_factor=8.0, verbose=False
    )
    history = model.fit(x, y, epochs=8, batch_size=64, verbose=0, callbacks=[recall, weighting])
    weights = history.history["loss_weight_defect"]
    assert weights[-1] > weights[0] > 1.0 and history.history["loss_weight_ok"][-1] < 1.0
    recalls = history.history["val_recall_defect"]
    assert recalls[-1] > recalls[0] + 0.2
