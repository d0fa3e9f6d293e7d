"""Class names as a dataset input: the renderers draw fixed classes, real data any."""

from __future__ import annotations


def require_synthetic_classes(dataset: str, class_names, rendered) -> None:
    """Raise a clear error when a synthetic config asks for classes the renderer does not
    draw (``class_names`` other than ``rendered``); real data takes any names."""
    if tuple(class_names) != tuple(rendered):
        raise ValueError(
            f"synthetic {dataset} renders {', '.join(rendered)}; other class_names "
            f"({', '.join(class_names)}) need manual_dir"
        )
