"""Per-class and macro recall on validation data after every epoch."""

from __future__ import annotations

import logging

import keras
import numpy as np
from sklearn.metrics import recall_score

logger = logging.getLogger(__name__)


class PerClassRecall(keras.callbacks.Callback):
    """Adds ``val_recall_<class>`` and ``val_macro_recall`` to the epoch logs (so
    EarlyStopping, ModelCheckpoint, CSVLogger and the other callbacks can use them; list this
    callback before them) and saves the model with the best macro recall.

    Macro recall averages the recall of the classes present in the validation data: the
    figure to push up when a missed defect costs more than a false alarm.

    Args:
        validation_data: a tf.data dataset (or iterable) of (images, integer labels) batches.
        class_names: K names.
        best_path: where to save the best-macro-recall model (``.keras``); None: not saved.
        verbose: print one line per epoch.
    """

    def __init__(self, validation_data, class_names, best_path=None, verbose=True):
        super().__init__()
        self.validation_data = validation_data
        self.class_names = list(class_names)
        self.best_path = best_path
        self.verbose = verbose
        self.best = -np.inf
        self.history: list[dict] = []

    def on_epoch_end(self, epoch, logs=None):
        logs = logs if logs is not None else {}
        truth, predicted = [], []
        for images, labels in self.validation_data:
            probabilities = np.asarray(self.model.predict_on_batch(images))
            predicted.append(probabilities.argmax(-1))
            truth.append(np.asarray(labels).ravel())
        truth, predicted = np.concatenate(truth), np.concatenate(predicted)
        present = np.unique(truth)
        recalls = recall_score(
            truth,
            predicted,
            labels=list(range(len(self.class_names))),
            average=None,
            zero_division=0,
        )
        for index, name in enumerate(self.class_names):
            logs[f"val_recall_{name}"] = float(recalls[index]) if index in present else np.nan
        macro = float(np.mean(recalls[present]))
        logs["val_macro_recall"] = macro
        self.history.append({name: logs[f"val_recall_{name}"] for name in self.class_names})
        improved = macro > self.best
        if improved:
            self.best = macro
            if self.best_path:
                self.model.save(self.best_path)
        if self.verbose:
            lagging = sorted(
                ((recalls[i], n) for i, n in enumerate(self.class_names) if i in present)
            )[:3]
            saved = " (best, saved)" if improved and self.best_path else ""
            logger.info(
                f"  val macro recall {macro:.4f}{saved}; lowest: "
                + ", ".join(f"{n} {r:.3f}" for r, n in lagging)
            )
