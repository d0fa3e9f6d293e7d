"""The shared recipe front: --config FILE, --set, --workdir, fast --help."""

import json
import subprocess
import sys

import pytest

from tfdefect.cli import RECIPES as CLI_RECIPES
from tfdefect.config import ConfigError
from tfdefect.recipes import padim_pcb, wafer_mobilenet

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
