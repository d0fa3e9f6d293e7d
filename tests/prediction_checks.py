"""Shared checks that an export predicts the same through every runtime and the CLI."""

import json
import os

import numpy as np

import tfdefect
from tfdefect.cli import main


def _comparable(result) -> dict:
    fields = result.to_dict()
    return {k: v for k, v in fields.items() if not isinstance(v, (dict, list, float))}


def check_predictions(paths, images, task, class_names, tmp_path, cli_inputs, **kwargs):
    """Every model path in ``paths`` loads as a Predictor of ``task`` with ``class_names``
    and gives the same verdicts on ``images``; ``tfdefect predict`` on the first path and
    ``cli_inputs`` (file paths) writes one JSON line and one picture per input.

    Returns the first path's results."""
    reference_results = None
    for path in paths:
        predictor = tfdefect.load(str(path))
        assert predictor.task == task, path
        assert predictor.class_names == list(class_names), path
        results = predictor.predict(images, **kwargs)
        assert len(results) == len(images)
        if reference_results is None:
            reference_results = results
            continue
        for got, expected in zip(results, reference_results, strict=True):
            assert _comparable(got) == _comparable(expected), path
    out = tmp_path / f"predict_{task}"
    flags = []
    if "reference" in kwargs:
        np.save(tmp_path / "reference.npy", np.asarray(kwargs["reference"]))
        flags = ["--reference", str(tmp_path / "reference.npy")]
    if "position_id" in kwargs:
        flags = ["--position-id", str(kwargs["position_id"])]
    code = main(["predict", str(paths[0]), *map(str, cli_inputs), "--output", str(out), *flags])
    assert code == 0
    lines = (out / "predictions.jsonl").read_text().splitlines()
    assert len(lines) == len(cli_inputs)
    for line in lines:
        record = json.loads(line)
        assert record["task"] == task and "verdict" in record
        assert os.path.getsize(out / record["picture"]) > 0
    assert (out / "predictions.csv").exists()
    return reference_results
