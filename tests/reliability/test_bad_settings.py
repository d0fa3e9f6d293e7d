"""Guarantee: no silent NaN, and every setting checked against its rule when parsed."""

import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfdefect.callbacks.non_finite_loss import NonFiniteLossError
from tfdefect.cli import main as cli_main
from tfdefect.config import ConfigError
from tfdefect.export import publish_model
from tfdefect.export.finite_outputs import NonFiniteOutputError
from tfdefect.models.classifiers import ImageClassifier
from tfdefect.recipes import casting_zoo, mask_rcnn_chips, wafer_mobilenet
from tfdefect.training.fit import fit_model
from tfdefect.training.train_config import TrainConfig


@pytest.mark.parametrize(
    "recipe, setting, message",
    [
        (mask_rcnn_chips, "train.learning_rate=nan", "train.learning_rate=nan: must be a finite"),
        (mask_rcnn_chips, "train.epochs=-1", "train.epochs=-1: must be at least 1"),
        (mask_rcnn_chips, "data.num_train=0", "data.num_train=0: must be at least 1"),
        (wafer_mobilenet, "train.batch_size=0", "train.batch_size=0: must be at least 1"),
        (casting_zoo, "data.defective_fraction=1.5", "must be between 0 and 1"),
        (wafer_mobilenet, "class_weight_power=inf", "class_weight_power=inf: must be a finite"),
        (wafer_mobilenet, "pooling=min", "pooling 'min': choose from average, max"),
        (wafer_mobilenet, "input_scale=0", "input_scale 0: must be 1 or more"),
    ],
)
def test_broken_settings_are_refused_before_any_work(recipe, setting, message, tmp_path):
    with pytest.raises(ConfigError, match=message.replace("(", r"\(")):
        recipe.main(["--set", setting, "--workdir", str(tmp_path / "run")])
    assert not (tmp_path / "run").exists()


def test_a_nan_loss_stops_training_naming_epoch_and_step(tmp_path):
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    model.compile(optimizer="adam", loss=keras.losses.MeanSquaredError())
    x = np.ones((8, 4), np.float32)
    x[5] = np.nan  # one bad sample in the second batch
    data = tf.data.Dataset.from_tensor_slices((x, np.zeros((8, 2), np.float32))).batch(4)
    config = TrainConfig(epochs=3, monitor="val_loss", monitor_mode="min", tensorboard=False)
    with pytest.raises(NonFiniteLossError, match="loss is nan at epoch 1, step 2"):
        fit_model(model, data, data, config, str(tmp_path), verbose=0)
    assert not (tmp_path / "best.keras").exists()


def test_a_model_answering_nan_is_not_exported(tmp_path):
    model = ImageClassifier("luna", image_shape=(32, 32, 3))
    model.layers[-1].kernel.assign(np.full(model.layers[-1].kernel.shape, np.nan, np.float32))
    with pytest.raises(NonFiniteOutputError, match="outputs NaN or infinity .*class_probabilities"):
        publish_model(model, str(tmp_path), "broken", onnx=False, log=None)
    assert os.listdir(tmp_path / "broken") == []  # no version, not even a half one


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["predict", "missing_model", "x.png"], "missing_model: no such model file or folder"),
        (["export", "missing.keras", "--name", "a"], "missing.keras: no such model file"),
        (["export", "empty.keras", "--name", "a"], "empty.keras: empty file"),
        (["predict", "folder", "x.png"], "folder: not a SavedModel folder"),
        (["build-dataset", "wafersem"], "unknown dataset 'wafersem'"),
    ],
)
def test_command_line_mistakes_are_one_line_and_exit_code_2(
    arguments, message, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "empty.keras").touch()
    (tmp_path / "folder").mkdir()
    assert cli_main(arguments) == 2  # returned, not raised: no traceback
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 1 and message in errors[0] and "--debug" in errors[0]
    with pytest.raises((ValueError, FileNotFoundError, KeyError)):
        cli_main(["--debug", *arguments])  # --debug lets the traceback through
