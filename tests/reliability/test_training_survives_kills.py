"""Guarantee: training killed at any instant resumes, and ends with exactly the epochs asked.

A tiny run is killed with SIGKILL 20 times at seeded random moments after its first epoch
(so kills land while a backup, the best checkpoint or history.csv is being written),
restarted each time from what is on disk, then left to finish (``killable_training``).
"""

import csv
import json
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EPOCHS = 200
KILLS = 20


@pytest.mark.slow
def test_twenty_kills_then_exactly_the_epochs_asked_for(tmp_path):
    workdir = tmp_path / "run"
    workdir.mkdir()
    command = [sys.executable, "-m", "tests.reliability.killable_training", str(workdir)]
    result = subprocess.run(
        [*command, str(EPOCHS), str(KILLS), "15"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary == {"kills": KILLS, "finished_before_kill": 0, "final_exit_code": 0}, (
        result.stderr[-3000:]
    )
    with open(workdir / "history.csv") as handle:
        epochs = [int(row["epoch"]) for row in csv.DictReader(handle)]
    assert epochs == list(range(EPOCHS))  # every epoch once, none lost, none twice
    assert result.stderr.count("resuming after epoch") >= KILLS - 1  # from backups, not 0
    assert not os.path.exists(workdir / "backup")  # removed when training ends
    assert (workdir / "best.keras").stat().st_size > 0
