"""The shared recipe front: --config FILE, --set, --workdir, fast --help."""

import importlib
import json
import subprocess
import sys

import pytest

from tfdefect.cli import RECIPES as CLI_RECIPES
from tfdefect.config import ConfigError
from tfdefect.recipes import mask_rcnn_chips, padim_pcb, wafer_mobilenet

RECIPES = tuple(CLI_RECIPES)


def test_print_config_round_trips_through_config_file(tmp_path, capsys):
    wafer_mobilenet.main(["--quick", "--set", "train.epochs=3", "--print-config"])
    written = capsys.readouterr().out
    path = tmp_path / "wafer.json"
    path.write_text(written)
    wafer_mobilenet.main(["--config", str(path), "--workdir", "elsewhere", "--print-config"])
    again = json.loads(capsys.readouterr().out)
    expected = json.loads(written)
    assert again.pop("workdir") == "elsewhere" and expected.pop("workdir") != "elsewhere"
    assert again == expected and again["train"]["epochs"] == 3
    assert again["data"]["class_names"] == list(json.loads(written)["data"]["class_names"])


def test_bad_config_files_are_named(tmp_path):
    (tmp_path / "bad.json").write_text('{"nope": 1}')
    with pytest.raises(ConfigError, match="bad.json: unknown keys \\['nope'\\]"):
        padim_pcb.main(["--config", str(tmp_path / "bad.json"), "--print-config"])
    with pytest.raises(ConfigError, match="missing.json: cannot read it"):
        padim_pcb.main(["--config", str(tmp_path / "missing.json"), "--print-config"])


def test_every_recipe_takes_the_shared_arguments_without_starting_tensorflow():
    for name in RECIPES:
        result = subprocess.run(
            [sys.executable, "-m", f"tfdefect.recipes.{name}", "--help"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        for flag in (
            "--quick",
            "--config",
            "--set",
            "--workdir",
            "--strategy",
            "--overwrite",
            "--serving-root",
            "--rebuild",
            "--print-config",
        ):
            assert flag in result.stdout, (name, flag)
        assert "tensorflow" not in result.stderr.lower(), name  # TF never started


def _printed(recipe, arguments, capsys) -> dict:
    recipe.main([*arguments, "--print-config"])
    return json.loads(capsys.readouterr().out)


def test_overwrite_and_serving_root_flags_set_the_export_fields(capsys):
    config = _printed(padim_pcb, ["--overwrite", "2", "--serving-root", "/models"], capsys)
    assert config["export"]["overwrite"] == 2 and config["export"]["serving_root"] == "/models"
    assert "export_overwrite" not in config and "serving_root" not in config


@pytest.mark.parametrize(
    "name, arguments, key, expected",
    [
        ("padim_pcb", ["--set", "export_dir=/srv"], "export.dir", "/srv"),
        ("segment_chips", ["--set", "export_onnx=false"], "export.onnx", False),
        ("wafer_mobilenet", ["--set", "export_name=edge"], "export.name", "edge"),
        ("mpb3_smt", ["--mode", "train", "--set", "serving_root=/m"], "export.serving_root", "/m"),
        ("casting_zoo", ["--set", "export=false"], "export.enabled", False),
        ("mask_rcnn_chips", ["--variants", "r25_c3"], "models", ["r25_c3"]),
        ("mask_rcnn_chips", ["--set", "variants=r25_c3"], "models", ["r25_c3"]),
        ("mpb3_smt", ["--mode", "train", "--arch", "resnet18"], "model", "resnet18"),
        ("mpb3_smt", ["--mode", "train", "--set", "arch=resnet18"], "model", "resnet18"),
        ("padim_pcb", ["--backbone", "resnet18"], "model", "resnet18"),
        ("padim_pcb", ["--set", "backbone=resnet18"], "model", "resnet18"),
    ],
)
def test_the_earlier_names_still_work(name, arguments, key, expected, capsys):
    config = _printed(importlib.import_module(f"tfdefect.recipes.{name}"), arguments, capsys)
    value = config
    for part in key.split("."):
        value = value[part]
    assert value == expected


def test_a_config_file_written_before_the_rename_reads_back(tmp_path, capsys):
    old = {"variants": ["r25_c3"], "export_dir": "/srv", "export_name": "chips", "seed": 3}
    (tmp_path / "old.json").write_text(json.dumps(old))
    config = _printed(mask_rcnn_chips, ["--config", str(tmp_path / "old.json")], capsys)
    assert config["models"] == ["r25_c3"] and config["seed"] == 3
    assert config["export"]["dir"] == "/srv" and config["export"]["name"] == "chips"


@pytest.mark.parametrize("name", ["segment_chips", "padim_pcb", "wafer_mobilenet"])
def test_recipes_that_always_publish_refuse_export_enabled_false(name):
    recipe = importlib.import_module(f"tfdefect.recipes.{name}")
    with pytest.raises(ConfigError, match=f"export.enabled=false: {name} always publishes"):
        recipe.main(["--set", "export.enabled=false", "--print-config"])


def test_wafer_refuses_an_export_without_onnx():
    with pytest.raises(ConfigError, match="export.onnx=false: the INT8 ONNX model"):
        wafer_mobilenet.main(["--set", "export.onnx=false", "--print-config"])


@pytest.mark.parametrize(
    "setting, message",
    [
        ("prune.target=1.0", "prune.target 1.0: the fraction of MACs to remove"),
        ("prune.target=-0.2", "prune.target -0.2: the fraction of MACs to remove"),
        ("prune.criterion=taylor", "prune.criterion 'taylor': choose from l1, bn_scale"),
        ("prune.rounds=0", "prune.rounds 0: must be 1 or more"),
    ],
)
def test_wafer_refuses_pruning_it_cannot_run(setting, message):
    with pytest.raises(ConfigError, match=message):
        wafer_mobilenet.main(["--set", setting, "--print-config"])
