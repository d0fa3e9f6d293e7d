"""Guarantee: a dataset build or a PaDiM fit killed half-way leaves nothing half made;
the next run starts clean and gives the whole result."""

import os
import random
import signal
import subprocess
import sys
import time

import pytest
import tensorflow_datasets as tfds

from tfdefect.datasets.wafer_sem.data_config import WaferSemDataConfig

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SETTINGS = {"num_sites": 1000, "image_size": 32}


def _kill_after(command, seconds, marker=None):
    """Start ``command``; SIGKILL it ``seconds`` after it prints ``marker`` (or starts).
    Returns True when it was killed, False when it finished first."""
    process = subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    if marker:
        for line in process.stdout:
            if marker in line:
                break
    time.sleep(seconds)
    if process.poll() is not None:
        return False
    process.send_signal(signal.SIGKILL)
    process.wait()
    return True


def _complete_versions(data_dir):
    """Every prepared wafer_sem version folder, read back through TFDS (raises if half)."""
    counts = []
    for root, _, files in os.walk(os.path.join(data_dir, "wafer_sem")):
        if "dataset_info.json" in files:
            builder = tfds.builder_from_directory(root)
            counts.append({s: i.num_examples for s, i in builder.info.splits.items()})
    return counts


@pytest.mark.slow
def test_a_killed_dataset_build_is_never_served_and_the_next_one_is_whole(tmp_path):
    moments = random.Random(3)
    data_dir = str(tmp_path / "tfds")
    command = [sys.executable, "-m", "tfdefect.cli", "build-dataset", "wafer_sem"]
    command += ["--data-dir", data_dir]
    for key, value in SETTINGS.items():
        command += ["--set", f"{key}={value}"]
    kills = 0
    for _ in range(2):
        # generation starts after TFDS prints its "Generating" line on stdout
        kills += _kill_after(command, moments.uniform(0.3, 1.5), marker="Downloading and")
        assert _complete_versions(data_dir) == []  # nothing half made is served
    assert kills == 2
    reference = WaferSemDataConfig(data_dir=str(tmp_path / "reference"), **SETTINGS).prepare()
    expected = {s: i.num_examples for s, i in reference.info.splits.items()}
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert _complete_versions(data_dir) == [expected]


@pytest.mark.slow
def test_a_killed_padim_fit_leaves_no_model_and_a_rerun_completes(tmp_path):
    path = str(tmp_path / "padim.keras")
    command = [sys.executable, "-m", "tests.reliability.killable_padim_fit", path]
    assert _kill_after(command, 1.0, marker="fitting")
    assert os.listdir(tmp_path) == []  # no model, no temporary file left behind
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    import tfdefect

    assert tfdefect.load(path).task == "anomaly"
