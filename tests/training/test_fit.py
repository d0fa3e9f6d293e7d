import csv
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfdefect.datasets.chips6.names import CLASS_NAMES
from tfdefect.evaluation import SegmentationEvaluator
from tfdefect.losses import DiceFocalLoss
from tfdefect.metrics import segmentation_metrics
from tfdefect.models.segmenters import UNetSegmenter
from tfdefect.training import TrainConfig, fit_model, make_strategy


def _compiled_unet(learning_rate=1e-2):
    # Every batch holds the same chips, so momentum 0 makes the BatchNorm moving statistics
    # those of the training batch and inference mode sees what training saw.
    model = UNetSegmenter(image_shape=(64, 64, 6), filters=(8, 16, 32), batch_norm_momentum=0.0)
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=DiceFocalLoss(),
        metrics=segmentation_metrics(CLASS_NAMES),
    )
    return model


def _dataset(images, masks, batch=4):
    return tf.data.Dataset.from_tensor_slices((images, masks)).batch(batch)


class _Interrupt(keras.callbacks.Callback):
    def __init__(self, at_epoch):
        super().__init__()
        self.at_epoch = at_epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.at_epoch:
            raise KeyboardInterrupt("simulated preemption")


def test_interrupted_training_resumes(tiny_chips, tmp_path):
    images, masks = tiny_chips
    data = _dataset(images[:4], masks[:4])
    config = TrainConfig(epochs=4, tensorboard=True, early_stopping_patience=10)
    workdir = str(tmp_path / "run")
    with pytest.raises(KeyboardInterrupt):
        fit_model(_compiled_unet(), data, data, config, workdir, extra_callbacks=[_Interrupt(1)])
    assert os.path.isdir(os.path.join(workdir, "backup"))
    history = fit_model(_compiled_unet(), data, data, config, workdir)
    assert history.epoch == [2, 3]  # resumed after the two finished epochs
    with open(os.path.join(workdir, "history.csv")) as handle:
        assert [int(r["epoch"]) for r in csv.DictReader(handle)] == [0, 1, 2, 3]
    assert os.path.isfile(os.path.join(workdir, "best.keras"))
    assert os.listdir(os.path.join(workdir, "tensorboard"))
    assert not os.path.exists(os.path.join(workdir, "backup"))  # removed after success


def test_tiny_unet_overfits_a_few_chips(tiny_chips, tmp_path):
    """Per-class IoU must rise well above what background-only prediction scores (0)."""
    images, masks = tiny_chips
    keep = [i for i in range(len(masks)) if len(np.unique(masks[i])) > 1][:4]
    images, masks = images[keep], masks[keep]
    data = _dataset(images, masks).repeat(10)
    keras.utils.set_random_seed(0)
    model = _compiled_unet(learning_rate=1e-2)
    fit_model(
        model,
        data,
        None,
        TrainConfig(epochs=15, tensorboard=False, monitor="defect_iou", early_stopping_patience=15),
        str(tmp_path),
    )
    evaluator = SegmentationEvaluator(CLASS_NAMES)
    evaluator.update(masks, model.predict(images, verbose=0).argmax(-1))
    result = evaluator.result()
    present = [CLASS_NAMES[k] for k in np.unique(masks) if k > 0]
    assert result["mean_defect_iou"] > 0.5, result["per_class"]
    for name in present:
        assert result["per_class"][name]["iou"] > 0.3, (name, result["per_class"])


def test_unknown_strategy_and_missing_tf_config(monkeypatch):
    with pytest.raises(ValueError, match="unknown strategy 'tpu'"):
        make_strategy("tpu")
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(RuntimeError, match="multi_worker needs TF_CONFIG"):
        make_strategy("multi_worker")
