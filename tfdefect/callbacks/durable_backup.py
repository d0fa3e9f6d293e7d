"""``DurableBackupAndRestore``: Keras' BackupAndRestore, safe against a kill at any instant.

Keras writes ``latest.weights.h5`` in place and its metadata after it, so a process killed
while saving leaves a truncated file (every restart then fails) or weights one epoch ahead
of their metadata. Here each backup is a folder ``epoch-<N>/`` (weights, ``state.json``)
written under a temporary name and renamed (``tfdefect.atomic_files.publish_version``, as
exports are), so it exists whole or not at all; the two
newest are kept and an unreadable newest one falls back to the older with a warning.
Safe against process death (SIGKILL, OOM killer, a closed terminal), not power loss
(no fsync).
"""

from __future__ import annotations

import json
import logging
import math
import numbers
import os
import re
import shutil

import keras

from tfdefect.atomic_files import publish_version, remove_stale_temp_dirs

logger = logging.getLogger(__name__)

_GENERATION = re.compile(r"^epoch-(\d+)$")
WEIGHTS_FILE = "model.weights.h5"
STATE_FILE = "state.json"


class UnreadableBackupError(RuntimeError):
    """No backup generation of an interrupted training can be read back."""


class DurableBackupAndRestore(keras.callbacks.BackupAndRestore):
    """Back up weights, optimizer and epoch after every epoch; resume from the newest
    readable backup.

    Args:
        backup_dir: the folder of the ``epoch-<N>/`` generations (removed when training
            ends, as Keras does).
        tracked: ``{name: (callback, attribute names)}`` whose values are saved with each
            backup and put back when training resumes (e.g. ModelCheckpoint's ``best``,
            so a worse epoch after a restart does not replace ``best.keras``).
        keep: generations kept (>= 2: the newest may be the one a kill interrupted).
    """

    def __init__(self, backup_dir: str, tracked=None, keep: int = 2):
        super().__init__(backup_dir, save_freq="epoch", delete_checkpoint=True)
        self.tracked = dict(tracked or {})
        self.keep = max(2, keep)
        self._restored_state: dict | None = None

    def generations(self) -> list[str]:
        """Backup folders, newest first."""
        if not os.path.isdir(self.backup_dir):
            return []
        numbered = []
        for name in os.listdir(self.backup_dir):
            match = _GENERATION.match(name)
            if match:
                numbered.append((int(match.group(1)), os.path.join(self.backup_dir, name)))
        return [path for _, path in sorted(numbered, reverse=True)]

    def on_train_begin(self, logs=None):
        self._load_model()

    def _load_model(self):
        generations = self.generations()
        if not generations:
            return
        if self.model.optimizer is not None and not self.model.optimizer.built:
            self.model.optimizer.build(self.model.trainable_variables)
        problems = []
        for folder in generations:
            try:
                with open(os.path.join(folder, STATE_FILE)) as handle:
                    state = json.load(handle)
                self.model.load_weights(os.path.join(folder, WEIGHTS_FILE))
            except (OSError, ValueError, KeyError) as error:
                problems.append(f"{folder}: {error}")
                logger.warning(f"backup {folder} is unreadable ({error}); trying an older one")
                continue
            self.model._initial_epoch = int(state["epoch"])
            self._restored_state = state.get("callbacks", {})
            logger.info(f"resuming after epoch {state['epoch']} from {folder}")
            return
        raise UnreadableBackupError(
            "no backup of the interrupted training can be read ("
            + "; ".join(problems)
            + f"); delete {self.backup_dir} to train from the start"
        )

    def on_epoch_begin(self, epoch, logs=None):
        if self._restored_state:
            for name, values in self._restored_state.items():
                callback, _ = self.tracked.get(name, (None, ()))
                for attribute, value in values.items() if callback is not None else ():
                    setattr(callback, attribute, _from_json(value))
            self._restored_state = None

    def _save_model(self):
        os.makedirs(self.backup_dir, exist_ok=True)
        remove_stale_temp_dirs(self.backup_dir)  # what a killed run was writing

        def write(folder):
            self.model.save_weights(os.path.join(folder, WEIGHTS_FILE))
            state = {"epoch": self._current_epoch, "callbacks": self._tracked_state()}
            with open(os.path.join(folder, STATE_FILE), "w") as handle:
                json.dump(state, handle)

        # overwrite: an epoch trained again after falling back to the older generation
        generation = f"epoch-{self._current_epoch:06d}"
        publish_version(self.backup_dir, generation, write, overwrite=True)
        for old in self.generations()[self.keep :]:
            shutil.rmtree(old, ignore_errors=True)

    def _tracked_state(self) -> dict:
        return {
            name: {attribute: _to_json(getattr(callback, attribute, None)) for attribute in names}
            for name, (callback, names) in self.tracked.items()
        }


def _to_json(value):
    """Numbers (numpy or Python, inf and NaN as strings), None and strings as JSON."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    number = float(value)
    return number if math.isfinite(number) else repr(number)


def _from_json(value):
    if isinstance(value, str) and value in ("inf", "-inf", "nan"):
        return float(value)
    return value
