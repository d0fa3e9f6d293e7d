"""TF Serving ``models.config`` (ModelServerConfig text format) beside the exports."""

from __future__ import annotations

import os
import re

from tfdefect.export.atomic import atomic_write_text

_ENTRY = re.compile(r'config\s*\{\s*name:\s*"([^"]+)"\s*base_path:\s*"([^"]+)"', re.S)


def read_models_config(path: str) -> dict[str, str]:
    """Model name -> base_path entries of an existing models.config (empty if none)."""
    if not os.path.exists(path):
        return {}
    with open(path) as handle:
        return dict(_ENTRY.findall(handle.read()))


def update_models_config(models_root: str, name: str, base_path: str) -> str:
    """Add or replace model ``name`` in ``<models_root>/models.config``; return its path.

    TF Serving reads it with ``--model_config_file=<path>`` and serves the highest numeric
    version folder under each base_path.
    """
    path = os.path.join(models_root, "models.config")
    entries = read_models_config(path)
    entries[name] = os.path.abspath(base_path)
    blocks = "".join(
        f'  config {{\n    name: "{model}"\n    base_path: "{base}"\n'
        f'    model_platform: "tensorflow"\n  }}\n'
        for model, base in sorted(entries.items())
    )
    atomic_write_text(path, "model_config_list {\n" + blocks + "}\n")
    return path
