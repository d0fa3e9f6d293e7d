"""Class label maps as JSON (never pickle): index <-> name, for serving and edge devices."""

from __future__ import annotations

import json
import os


def write_label_map(class_names, path: str) -> str:
    """Write ``{"classes": [...], "index": {name: i}}``; returns ``path``."""
    names = [str(n) for n in class_names]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate class names in {names}")
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as handle:
        json.dump(
            {"classes": names, "index": {n: i for i, n in enumerate(names)}}, handle, indent=2
        )
    return path


def read_label_map(path: str) -> list[str]:
    """Class names in index order; errors name the file and what is wrong."""
    with open(path) as handle:
        try:
            data = json.load(handle)
        except json.JSONDecodeError as error:
            raise ValueError(f"{path}: not JSON ({error})") from error
    classes = data.get("classes") if isinstance(data, dict) else None
    if not isinstance(classes, list) or not all(isinstance(c, str) for c in classes):
        raise ValueError(f"{path}: needs a 'classes' list of names")
    index = data.get("index", {})
    if any(index.get(name, i) != i for i, name in enumerate(classes)):
        raise ValueError(f"{path}: 'index' disagrees with the order of 'classes'")
    return classes
