"""Every config key the documentation names exists: the recipe configs' docstrings
(``Attributes:`` entries, ``data.`` / ``train.`` / ``export.`` keys, the module's ``--set``
examples) and the ``--set`` examples of README.md and the docs pages (a documented
``export_version`` that no config had is what this guards against); and every recipe config
field is documented."""

import dataclasses
import glob
import importlib
import inspect
import os
import re

import pytest

from tfdefect.cli import RECIPES
from tfdefect.config import current_key, valid_keys
from tfdefect.recipes.export_config import ExportConfig
from tfdefect.training.train_config import TrainConfig

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
DOCUMENTS = [os.path.join(ROOT, "README.md")] + sorted(
    glob.glob(os.path.join(ROOT, "docs", "**", "*.md"), recursive=True)
)
# the docs page of each recipe's system: a --set there is that recipe's
PAGES = {
    "segmentation.md": "segment_chips",
    "mask-rcnn.md": "mask_rcnn_chips",
    "padim.md": "padim_pcb",
    "mpb3.md": "mpb3_smt",
    "zoo.md": "casting_zoo",
    "wafer.md": "wafer_mobilenet",
}
SET_KEY = re.compile(r"--set\s+([A-Za-z_][\w.]*)=")
NESTED_KEY = re.compile(r"``((?:data|train|export)\.[a-z_]\w*)(?:=[^`]*)?``")
ENTRY = re.compile(r"(?:^|;\s+)([a-z_]\w*(?:\s*/\s*[a-z_]\w*)*):\s")


def _config(name):
    return importlib.import_module(f"tfdefect.recipes.{name}").RECIPE.default_config()


def _resolves(config, key: str) -> bool:
    """``key`` (or the key it is an old name of) is a ``--set`` key of ``config``."""
    return current_key(config, key) in valid_keys(config)


def documented_attributes(cls) -> list[str]:
    """The names of the ``Attributes:`` entries of ``cls``'s docstring (``a / b: ...`` and
    ``a: ...; b: ...`` name several)."""
    lines = inspect.getdoc(cls).splitlines()
    start = lines.index("Attributes:") + 1
    names = []
    for line in lines[start:]:
        if line.startswith("    ") and not line.startswith("     "):  # an entry, not more text
            for match in ENTRY.finditer(line.strip()):
                names += [name.strip() for name in match.group(1).split("/")]
    return names


@pytest.mark.parametrize("cls", [ExportConfig, TrainConfig])
def test_shared_configs_document_only_their_fields(cls):
    names = documented_attributes(cls)
    assert len(names) >= 5
    assert set(names) <= {field.name for field in dataclasses.fields(cls)}


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_recipe_docstrings_name_only_keys_that_exist(name):
    config = _config(name)
    fields = {field.name for field in dataclasses.fields(config)}
    attributes = documented_attributes(type(config))
    assert set(attributes) <= fields, set(attributes) - fields  # documented, not there
    assert fields <= set(attributes), fields - set(attributes)  # there, not documented
    class_keys = NESTED_KEY.findall(inspect.getdoc(type(config)))
    module_keys = SET_KEY.findall(importlib.import_module(f"tfdefect.recipes.{name}").__doc__)
    unknown = [key for key in class_keys + module_keys if key not in valid_keys(config)]
    assert not unknown, unknown  # docstrings use the current names, not the old ones


def _documented_settings() -> list[tuple[str | None, str, str]]:
    """(recipe or None, key, "file:line") of every ``--set key=`` in README.md and the docs:
    the recipe named on the line (``recipes.X``, ``recipe X``), else that of the system's
    page, else None."""
    found = []
    for path in DOCUMENTS:
        with open(path) as handle:
            text = re.sub(r"--set\s*\n\s*", "--set ", handle.read())  # wrapped at its key
        page = PAGES.get(os.path.basename(path))
        for number, line in enumerate(text.splitlines(), 1):
            if "build-dataset" in line:  # dataset settings, not a recipe config
                continue
            named = re.search(r"(?:recipes\.|recipe )(\w+)", line)
            recipe = named.group(1) if named and named.group(1) in RECIPES else page
            where = f"{os.path.relpath(path, ROOT)}:{number}"
            found += [(recipe, key, where) for key in SET_KEY.findall(line) if key != "key"]
    return found


def test_documented_set_examples_name_keys_of_their_recipe():
    settings = _documented_settings()
    assert len(settings) >= 20
    configs = {name: _config(name) for name in RECIPES}
    wrong = []
    for recipe, key, where in settings:
        candidates = [configs[recipe]] if recipe else list(configs.values())
        if not any(_resolves(config, key) for config in candidates):
            wrong.append(f"{where}: --set {key}= ({recipe or 'no recipe'})")
    assert not wrong, wrong
