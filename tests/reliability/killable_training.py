"""The kill test's runner: ``python -m tests.reliability.killable_training WORKDIR EPOCHS
KILLS SEED``.

It imports TensorFlow once and runs nothing itself; every training run is a forked child
process (a fresh process for TF's runtime, which is only started by the child), so a
restart costs ~0.4 s instead of a TensorFlow import. ``KILLS`` children are killed with
SIGKILL at seeded random moments after their first finished epoch (each child touches
``WORKDIR/ready-<pid>`` then), then one child runs to the end. Prints one JSON line:
{"kills": n, "finished_before_kill": n, "final_exit_code": c}.
"""

import json
import os
import random
import signal
import sys
import time
import traceback

import keras
import numpy as np

from tfdefect.console import console_logging
from tfdefect.training.fit import fit_model
from tfdefect.training.train_config import TrainConfig


class _Ready(keras.callbacks.Callback):
    def __init__(self, path):
        super().__init__()
        self.path = path

    def on_epoch_end(self, epoch, logs=None):
        if not os.path.exists(self.path):
            open(self.path, "w").close()


def train(workdir: str, epochs: int) -> None:
    """A tiny model trained with the library's fit_model (resumes from WORKDIR/backup)."""
    import tensorflow as tf

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 32)).astype("float32")
    y = (x[:, 0] > 0).astype("int32")
    model = keras.Sequential(
        [keras.Input((32,)), keras.layers.Dense(256, activation="relu"), keras.layers.Dense(2)]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        run_eagerly=True,  # no tf.function tracing: each restart trains at once
    )
    config = TrainConfig(
        epochs=epochs,
        batch_size=16,
        steps_per_epoch=2,
        early_stopping_patience=10**6,
        monitor="val_loss",
        monitor_mode="min",
        tensorboard=False,
    )
    data = tf.data.Dataset.from_tensor_slices((x, y)).repeat().batch(16)
    validation = tf.data.Dataset.from_tensor_slices((x, y)).batch(32)
    ready = _Ready(os.path.join(workdir, f"ready-{os.getpid()}"))
    fit_model(model, data, validation, config, workdir, extra_callbacks=[ready], verbose=0)


def _fork_training(workdir: str, epochs: int) -> int:
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            sys.stdout = sys.stderr  # the parent prints the JSON summary on stdout
            with console_logging():  # "resuming after epoch N" lines, as a recipe shows them
                train(workdir, epochs)
        except BaseException:
            traceback.print_exc()
            code = 1
        finally:
            os._exit(code)
    return pid


def kill_loop(workdir: str, epochs: int, kills: int, seed: int) -> dict:
    moments = random.Random(seed)
    summary = {"kills": 0, "finished_before_kill": 0}
    for _ in range(kills):
        pid = _fork_training(workdir, epochs)
        ready = os.path.join(workdir, f"ready-{pid}")
        while not os.path.exists(ready):
            done, status = os.waitpid(pid, os.WNOHANG)
            if done:
                raise SystemExit(f"run {pid} ended before its first epoch (status {status})")
            time.sleep(0.005)
        time.sleep(moments.uniform(0.0, 0.4))
        if os.waitpid(pid, os.WNOHANG)[0]:
            summary["finished_before_kill"] += 1
            continue
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        summary["kills"] += 1
    pid = _fork_training(workdir, epochs)
    summary["final_exit_code"] = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    return summary


if __name__ == "__main__":
    workdir, epochs, kills, seed = sys.argv[1], *map(int, sys.argv[2:5])
    print(json.dumps(kill_loop(workdir, epochs, kills, seed)), flush=True)
