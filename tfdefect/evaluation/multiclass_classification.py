"""Figures of a multi-class image classifier, and their comparison across runtimes."""

from __future__ import annotations

import numpy as np


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
