import csv
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfdefect.callbacks.durable_backup import UnreadableBackupError
from tfdefect.console import console_logging
from tfdefect.training.fit import fit_model
from tfdefect.training.train_config import TrainConfig


class _Crash(keras.callbacks.Callback):
    def __init__(self, at_epoch):
        super().__init__()
        self.at_epoch = at_epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.at_epoch:
            raise RuntimeError("power cut")


def _run(workdir, epochs=5, crash_at=None):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    x = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")
    data = tf.data.Dataset.from_tensor_slices((x, x[:, :2])).batch(8)
    config = TrainConfig(epochs=epochs, monitor="val_loss", monitor_mode="min", tensorboard=False)
    extra = [_Crash(crash_at)] if crash_at is not None else []
    return fit_model(model, data, data, config, str(workdir), extra_callbacks=extra, verbose=0)


def _epochs(workdir):
    with open(os.path.join(workdir, "history.csv")) as handle:
        return [int(row["epoch"]) for row in csv.DictReader(handle)]


def test_a_corrupt_newest_backup_falls_back_to_the_older_one(tmp_path, capsys):
    with pytest.raises(RuntimeError, match="power cut"):
        _run(tmp_path, crash_at=3)
    generations = sorted(os.listdir(tmp_path / "backup"))
    assert generations == ["epoch-000002", "epoch-000003"]  # the two newest kept
    newest = tmp_path / "backup" / "epoch-000003" / "model.weights.h5"
    newest.write_bytes(newest.read_bytes()[:100])  # truncated, as a kill mid-write left it
    with console_logging():  # the lines a recipe shows
        history = _run(tmp_path)
    err = capsys.readouterr()
    assert "backup" in err.err and "unreadable" in err.err and "trying an older one" in err.err
    assert "resuming after epoch 2" in err.out
    assert len(history.history["loss"]) == 3  # epochs 3, 4, 5 of 5
    assert _epochs(tmp_path) == [0, 1, 2, 3, 4]
    assert not (tmp_path / "backup").exists()


def test_no_readable_backup_is_an_error_naming_the_folder(tmp_path):
    with pytest.raises(RuntimeError, match="power cut"):
        _run(tmp_path, crash_at=2)
    for generation in (tmp_path / "backup").iterdir():
        (generation / "model.weights.h5").write_bytes(b"")
    with pytest.raises(UnreadableBackupError, match="delete .*backup to train from the start"):
        _run(tmp_path)


def test_a_new_run_keeps_the_old_history_aside(tmp_path):
    for epochs in (1, 2, 3):  # three runs within seconds: each history kept apart
        _run(tmp_path, epochs=epochs)
    assert _epochs(tmp_path) == [0, 1, 2]
    kept = [name for name in os.listdir(tmp_path) if name.startswith("history.")]
    assert len(kept) == 3  # history.csv and one history.<time>[-n].csv per earlier run


def test_a_killed_writers_temporary_backup_is_removed_a_live_ones_kept(tmp_path):
    from tfdefect.atomic_files import remove_stale_temp_dirs

    dead = tmp_path / ".tmp-epoch-000006-999999999-abc"  # a pid that cannot be alive
    live = tmp_path / f".tmp-epoch-000007-{os.getpid()}-def"
    dead.mkdir()
    live.mkdir()
    assert remove_stale_temp_dirs(str(tmp_path)) == [dead.name]
    assert live.exists()
