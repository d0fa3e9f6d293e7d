"""``EpochLog``: history.csv with exactly one row per finished epoch, across restarts."""

from __future__ import annotations

import csv
import io
import os
import time

import keras

from tfdefect.atomic_files import atomic_write_text


class EpochLog(keras.callbacks.Callback):
    """Keras' CSVLogger for runs that may be killed and resumed.

    When training starts at epoch k (resumed from a backup), rows of epochs >= k are
    dropped: those epochs are trained again. When it starts at epoch 0, an earlier file is
    kept as ``history.<time>.csv``. The file is rewritten atomically after every epoch, so a
    kill never leaves half a row. Put it before the backup callback: an epoch's row is then
    written before the backup that counts the epoch as done.

    Args:
        path: the CSV file (columns ``epoch`` then the logged metrics, sorted).
    """

    def __init__(self, path: str):
        super().__init__()
        self.path = path
        self.rows: list[dict] = []
        self._started = False

    def on_train_begin(self, logs=None):
        self._started = False

    def on_epoch_begin(self, epoch, logs=None):
        if not self._started:  # the first epoch of this run: where a restored backup left off
            self._started = True
            self._start(epoch)

    def _start(self, start: int) -> None:
        previous = _read_rows(self.path)
        if start == 0 and previous:
            stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(os.path.getmtime(self.path)))
            kept, number = f"{os.path.splitext(self.path)[0]}.{stamp}.csv", 1
            while os.path.exists(kept):  # never replace an earlier kept history
                number += 1
                kept = f"{os.path.splitext(self.path)[0]}.{stamp}-{number}.csv"
            os.replace(self.path, kept)
            previous = []
        self.rows = [row for row in previous if int(row["epoch"]) < start]

    def on_epoch_end(self, epoch, logs=None):
        row = {"epoch": epoch}
        row.update({k: float(v) for k, v in sorted((logs or {}).items()) if _is_number(v)})
        self.rows = [r for r in self.rows if int(r["epoch"]) != epoch] + [row]
        columns = list(dict.fromkeys(key for r in self.rows for key in r))
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(self.rows)
        atomic_write_text(self.path, text.getvalue())


def _read_rows(path: str) -> list[dict]:
    if not os.path.exists(path):
        return []
    with open(path, newline="") as handle:
        return [row for row in csv.DictReader(handle) if row.get("epoch", "").isdigit()]


def _is_number(value) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True
