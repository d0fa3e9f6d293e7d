"""Evaluating image classifiers: a two-class (good / defective) classifier over a dataset,
the figures of a multi-class classifier, and their comparison across runtimes."""

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


def classification_figures(labels, probabilities, class_names) -> dict:
    """Accuracy, per-class precision / recall / F1 / support and the macro recall over the
    classes present, for (N,) labels and (N, K) probabilities."""
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    predicted = np.asarray(probabilities).argmax(-1)
    indices = list(range(len(class_names)))
    precision, recall, f1, support = precision_recall_fscore_support(
        labels, predicted, labels=indices, zero_division=0
    )
    present = support > 0
    return {
        "accuracy": float(accuracy_score(labels, predicted)),
        "macro_recall": float(recall[present].mean()),
        "per_class": {
            name: {
                "precision": float(precision[i]),
                "recall": float(recall[i]),
                "f1": float(f1[i]),
                "support": int(support[i]),
            }
            for i, name in enumerate(class_names)
        },
    }


def format_figures(title: str, figures: dict) -> str:
    """``classification_figures`` as text: a headline, then one line per class."""
    lines = [
        f"{title}: accuracy {figures['accuracy']:.4f}, macro recall {figures['macro_recall']:.4f}"
    ]
    for name, values in figures["per_class"].items():
        lines.append(
            f"  {name:<12} precision {values['precision']:.3f}  recall {values['recall']:.3f}  "
            f"F1 {values['f1']:.3f}  n {values['support']}"
        )
    return "\n".join(lines)


def runtime_comparison_table(results: dict, sizes: dict, reference: str = "float") -> str:
    """Markdown: per runtime (every key of ``results`` but ``reference``) its size in MB,
    accuracy, macro recall, their drops against ``reference`` and its agreement with it;
    then the per-class recall of every runtime."""
    base = results[reference]
    lines = [
        "| model | size MB | accuracy | macro recall | accuracy drop | recall drop "
        "| agrees with float |",
        "|---|---|---|---|---|---|---|",
    ]
    others = [name for name in results if name != reference]
    for name in others:
        figures = results[name]
        lines.append(
            f"| {name} | {sizes[name] / 2**20:.2f} | {figures['accuracy']:.4f} | "
            f"{figures['macro_recall']:.4f} | "
            f"{100 * (base['accuracy'] - figures['accuracy']):+.2f} pt | "
            f"{100 * (base['macro_recall'] - figures['macro_recall']):+.2f} pt | "
            f"{figures.get('agreement_with_float', 1.0):.4f} |"
        )
    columns = [reference, *(name for name in others if "int8" in name)]
    lines += ["", "| class | " + " | ".join(f"recall {n}" for n in columns) + " |"]
    lines.append("|---|" + "---|" * len(columns))
    for name in base["per_class"]:
        recalls = " | ".join(f"{results[k]['per_class'][name]['recall']:.3f}" for k in columns)
        lines.append(f"| {name} | {recalls} |")
    return "\n".join(lines)
