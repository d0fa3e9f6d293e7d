"""A non-editable wheel works outside the checkout, beside an unrelated ``datasets``."""

import glob
import os
import subprocess
import sys

import pytest

from tfdefect.cli import RECIPES as CLI_RECIPES

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

CHECK = r"""
import contextlib, io, sys
import datasets, tfdefect
from tfdefect.cli import main
site, recipes, builds = sys.argv[1], sys.argv[2].split(","), sys.argv[3:]
assert tfdefect.__file__.startswith(site), tfdefect.__file__
assert datasets.UNRELATED is True  # the other package named datasets stays importable
for recipe in recipes:
    extra = ["--mode", "train"] if recipe == "mpb3_smt" else []
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["recipe", recipe, *extra, "--quick", "--print-config"])
    assert '"export": {' in out.getvalue(), recipe
for build in builds:
    name, *overrides = build.split(";")
    sets = [arg for item in overrides for arg in ("--set", item)]
    assert main(["build-dataset", name, "--data-dir", "tfds", *sets]) == 0, name
    from tfdefect.datasets.tfds_builders import builder_module
    builder = builder_module(name).Builder
    metadata = builder.get_metadata()  # the dataset card travels in the wheel
    assert "**Features.**" in metadata.description and "@" in metadata.citation, name
print("all ran")
"""


RECIPES = tuple(CLI_RECIPES)
SMALL_DATASETS = {
    "chips6": ["num_train=2", "num_validation=1", "num_test=1", "image_size=64"],
    "casting": ["num_train=4", "num_validation=2", "num_test=2", "image_size=32"],
    "pcb_anomaly": ["num_train=2", "num_validation=2", "num_test=2", "image_size=64"],
    "smt_pairs": ["boards_train=1", "boards_validation=1", "boards_test=1", "image_size=32"],
    "wafer_sem": ["num_sites=40", "image_size=32"],
}


@pytest.mark.slow
def test_wheel_runs_outside_the_checkout(tmp_path):
    dist, site, other = tmp_path / "dist", tmp_path / "site", tmp_path / "other"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", REPO, "--no-deps", "-w", str(dist)], check=True, timeout=600)
    (wheel,) = glob.glob(str(dist / "tfdefect-*.whl"))
    subprocess.run([*pip, "install", "--no-deps", "--target", str(site), wheel], check=True)
    (other / "datasets").mkdir(parents=True)
    (other / "datasets" / "__init__.py").write_text("UNRELATED = True\n")
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(site), str(other)]),
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }

    def run(*args, code=0):
        result = subprocess.run(
            [sys.executable, *args], cwd=work, env=env, capture_output=True, text=True, timeout=600
        )
        assert result.returncode == code, result.stderr[-3000:]
        return result.stdout + result.stderr

    builds = [";".join([name, *overrides]) for name, overrides in SMALL_DATASETS.items()]
    out = run("-c", CHECK, str(site), ",".join(RECIPES), *builds)
    assert "all ran" in out
    for name in SMALL_DATASETS:
        assert f"{name}/" in out, name
    assert "unknown dataset 'nope'" in run("-m", "tfdefect.cli", "build-dataset", "nope", code=2)
