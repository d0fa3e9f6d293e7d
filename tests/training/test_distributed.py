"""--strategy mirrored (2 logical CPUs) and multi_worker (2 local processes via TF_CONFIG)."""

import json
import math
import os
import socket
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": REPO}
WORKER = [sys.executable, "-m", "tests.training.distributed_worker"]


def _last_json(stdout):
    return json.loads(stdout.strip().splitlines()[-1])


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


@pytest.mark.slow
def test_mirrored_on_two_logical_cpus(tmp_path):
    result = subprocess.run(
        WORKER + ["mirrored", str(tmp_path)],
        cwd=REPO,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=400,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = _last_json(result.stdout)
    assert report["replicas"] == 2 and report["epochs"] == [0, 1]
    assert all(math.isfinite(v) for v in report["loss"])


@pytest.mark.slow
def test_multi_worker_with_two_local_processes(tmp_path):
    workers = [f"127.0.0.1:{port}" for port in _free_ports(2)]
    processes = []
    for index in range(2):
        tf_config = {"cluster": {"worker": workers}, "task": {"type": "worker", "index": index}}
        processes.append(
            subprocess.Popen(
                WORKER + ["multi_worker", str(tmp_path / f"worker{index}")],
                cwd=REPO,
                env={**ENV, "TF_CONFIG": json.dumps(tf_config)},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    reports = []
    try:
        for process in processes:
            stdout, stderr = process.communicate(timeout=500)
            assert process.returncode == 0, stderr[-3000:]
            reports.append(_last_json(stdout))
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
    assert [r["replicas"] for r in reports] == [2, 2]
    # synchronous all-reduce training: both workers see the same global loss
    assert reports[0]["epochs"] == reports[1]["epochs"] == [0, 1]
    assert reports[0]["loss"] == pytest.approx(reports[1]["loss"], rel=1e-4)
