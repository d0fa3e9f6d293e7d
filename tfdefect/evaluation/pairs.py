"""Inspection figures for ok/ng pair classification (MPB3's reporting)."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score


def inspection_metrics(is_ng, predicted_ng, classes, predicted_classes, num_classes) -> dict:
    """Omission rate (missed ng / all ng), false-alarm rate (ok flagged ng / all ok),
    class-frequency-weighted F-score over defect classes, confusion matrix (rows truth)."""
    is_ng, predicted_ng = np.asarray(is_ng, bool), np.asarray(predicted_ng, bool)
    ng, ok = is_ng.sum(), (~is_ng).sum()
    return {
        "pairs": int(len(is_ng)),
        "ng_pairs": int(ng),
        "omission_rate": float((is_ng & ~predicted_ng).sum() / ng) if ng else None,
        "false_alarm_rate": float((~is_ng & predicted_ng).sum() / ok) if ok else None,
        "weighted_f_score": float(
            f1_score(classes, predicted_classes, average="weighted", zero_division=0)
        ),
        "confusion_matrix": confusion_matrix(
            classes, predicted_classes, labels=list(range(num_classes))
        ).tolist(),
    }
