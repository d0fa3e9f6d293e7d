"""Guarantee: training killed at any instant resumes, and ends with exactly the epochs asked.

A tiny run (``killable_training``) is killed with SIGKILL 20 times at seeded random moments
after its first epoch (so some kills land while a backup or history.csv is being
written), restarted each time, then left to finish.
"""

import csv
import glob
import os
import random
import signal
import subprocess
import sys
import time

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EPOCHS = 80
KILLS = 20


def _start(workdir):
    return subprocess.Popen(
        [sys.executable, "-m", "tests.reliability.killable_training", str(workdir), str(EPOCHS)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_until_training(process, workdir, timeout=120):
    ready = os.path.join(workdir, f"ready-{process.pid}")
    deadline = time.monotonic() + timeout
    while not os.path.exists(ready):
        if process.poll() is not None:
            raise AssertionError(
                f"run ended before training (code {process.returncode}):\n"
                + process.stderr.read()[-3000:]
            )
        assert time.monotonic() < deadline, "training did not start"
        time.sleep(0.02)


@pytest.mark.slow
def test_twenty_kills_then_exactly_the_epochs_asked_for(tmp_path):
    moments = random.Random(15)
    workdir = tmp_path / "run"
    workdir.mkdir()
    resumed_after = []
    for _ in range(KILLS):
        process = _start(workdir)
        _wait_until_training(process, workdir)
        time.sleep(moments.uniform(0.0, 0.6))
        assert process.poll() is None, "the run finished before it could be killed"
        process.send_signal(signal.SIGKILL)
        stderr = process.communicate()[1]
        assert process.returncode == -signal.SIGKILL, stderr[-3000:]
        generations = sorted(glob.glob(str(workdir / "backup" / "epoch-*")))
        resumed_after.append(len(generations))
    process = _start(workdir)
    stderr = process.communicate(timeout=600)[1]
    assert process.returncode == 0, stderr[-3000:]
    with open(workdir / "history.csv") as handle:
        epochs = [int(row["epoch"]) for row in csv.DictReader(handle)]
    assert epochs == list(range(EPOCHS))  # every epoch once, none lost, none twice
    assert not os.path.exists(workdir / "backup")  # removed when training ends
    assert (workdir / "best.keras").stat().st_size > 0
    assert sum(resumed_after) > 0  # backups were there to resume from
