"""Evaluating a two-class (good / defective) image classifier."""

from __future__ import annotations

import numpy as np

from tfdefect.progress import progress_bar_over


def evaluate_binary_classifier(model, dataset) -> tuple[dict, np.ndarray]:
    """Accuracy, precision, recall, F1 (class 1 positive, at probability 0.5) and ROC-AUC
    (None with one class present) of ``model`` over (images, labels) batches, whose
    output is (B, 2) probabilities; and the 2x2 confusion matrix (rows: truth)."""
    from sklearn.metrics import (
        accuracy_score,
        confusion_matrix,
        f1_score,
        precision_score,
        recall_score,
        roc_auc_score,
    )

    labels, scores = [], []
    for images, batch_labels in progress_bar_over(dataset, "evaluate"):
        scores.append(np.asarray(model.predict_on_batch(images))[:, 1])
        labels.append(batch_labels.numpy())
    labels, scores = np.concatenate(labels), np.concatenate(scores)
    predicted = (scores >= 0.5).astype(int)
    metrics = {
        "accuracy": accuracy_score(labels, predicted),
        "precision": precision_score(labels, predicted, zero_division=0),
        "recall": recall_score(labels, predicted, zero_division=0),
        "f1": f1_score(labels, predicted, zero_division=0),
        "roc_auc": roc_auc_score(labels, scores) if len(set(labels)) == 2 else None,
    }
    return metrics, confusion_matrix(labels, predicted, labels=[0, 1])
