"""batch-predict on Beam's DirectRunner: the five systems, records equal to Predictor's,
bad files in the dead-letter output, earlier results kept."""

import csv
import glob
import json

import cv2
import numpy as np
import pytest

from tfdefect.beam.batch_predict import batch_predict
from tfdefect.cli import main
from tfdefect.inference.predictor import Predictor

SHAPES = {
    "segmentation": (32, 32, 6),
    "detection": (64, 64, 3),
    "anomaly": (32, 32, 3),
    "classification": (32, 32, 1),
}


def _write_images(folder, shape, count=5, seed=0):
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    paths = []
    for index in range(count):
        image = rng.integers(0, 256, shape).astype(np.uint8)
        if shape[-1] in (1, 3):
            path = folder / f"img{index}.png"
            cv2.imwrite(str(path), image[..., ::-1] if shape[-1] == 3 else image)
        else:
            path = folder / f"img{index}.npy"
            np.save(path, image)
        paths.append(str(path))
    return paths


def _assert_same(got, expected):
    """Equal fields; floats to 1e-5 (the model runs on batches of another size)."""
    if isinstance(expected, dict):
        assert set(got) == set(expected)
        for key in expected:
            _assert_same(got[key], expected[key])
    elif isinstance(expected, list):
        assert len(got) == len(expected)
        for a, b in zip(got, expected, strict=True):
            _assert_same(a, b)
    elif isinstance(expected, float):
        assert got == pytest.approx(expected, rel=1e-4, abs=1e-5)
    else:
        assert got == expected


def _read_records(output, prefix):
    records = []
    for path in sorted(glob.glob(str(output / f"{prefix}-*.jsonl"))):
        with open(path) as handle:
            records += [json.loads(line) for line in handle if line.strip()]
    return sorted(records, key=lambda r: r["name"])


@pytest.mark.parametrize("system", sorted(SHAPES))
def test_batch_predict_matches_the_predictor(tiny_export, tmp_path, system):
    model = tiny_export(system)
    paths = _write_images(tmp_path / "in" / "sub", SHAPES[system])
    (tmp_path / "in" / "sub" / "broken.png").write_bytes(b"not an image")
    summary = batch_predict(model, str(tmp_path / "in" / "*" / "*"), str(tmp_path / "out"))
    records = _read_records(tmp_path / "out", "predictions")
    assert [r["name"] for r in records] == sorted(f"sub/{p.rsplit('/', 1)[1]}" for p in paths)
    expected = {
        path: result.to_dict()
        for path, result in zip(paths, Predictor(model).predict(paths), strict=True)
    }
    for record in records:
        fields = {k: v for k, v in record.items() if k not in ("image", "name")}
        _assert_same(fields, expected[record["image"]])
    failures = _read_records(tmp_path / "out", "failures")
    assert [f["name"] for f in failures] == ["sub/broken.png"]
    assert "not a readable image" in failures[0]["reason"]
    assert summary["images"] == 5 and summary["failures"] == 1
    assert sum(summary["verdicts"].values()) == 5


def test_pairs_from_a_csv_and_a_cached_reference_model(tiny_export, tmp_path):
    tests = _write_images(tmp_path / "pairs", (32, 32, 3), count=3, seed=1)
    references = _write_images(tmp_path / "refs", (32, 32, 3), count=3, seed=2)
    table = tmp_path / "pairs.csv"
    with open(table, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["reference", "test"])
        writer.writerows(zip(references, tests, strict=True))
    summary = batch_predict(tiny_export("pair"), None, str(tmp_path / "out"), pairs_csv=str(table))
    assert summary["images"] == 3 and summary["failures"] == 0
    expected = Predictor(tiny_export("pair")).predict(tests, reference=references)
    records = {r["image"]: r for r in _read_records(tmp_path / "out", "predictions")}
    for path, result in zip(tests, expected, strict=True):
        assert records[path]["verdict"] == result.to_dict()["verdict"]
    cached = batch_predict(
        tiny_export("pair_cached"),
        str(tmp_path / "pairs" / "*.png"),
        str(tmp_path / "out2"),
        position_id=1,
    )
    assert cached["images"] == 3


def test_earlier_results_are_kept_and_the_command_line_passes_beam_options(
    tiny_export, tmp_path, capsys
):
    _write_images(tmp_path / "in", SHAPES["classification"], count=4)
    args = [
        "batch-predict",
        tiny_export("classification"),
        str(tmp_path / "in" / "*.png"),
        "--output",
        str(tmp_path / "out"),
        "--direct_num_workers=1",
    ]
    assert main(args) == 0
    assert "4 images" in capsys.readouterr().out
    assert main(args) == 2  # never replaced unasked
    assert "holds results of an earlier run" in capsys.readouterr().err
    assert main([*args, "--overwrite"]) == 0
    assert len(_read_records(tmp_path / "out", "predictions")) == 4


def test_without_apache_beam_the_command_says_how_to_install_it(monkeypatch, capsys):
    import sys

    for name in [n for n in sys.modules if n.startswith(("tfdefect.beam", "apache_beam"))]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "apache_beam", None)  # import apache_beam now fails
    assert main(["batch-predict", "model", "*.png", "--output", "out"]) == 2
    assert "pip install 'tfdefect[beam]'" in capsys.readouterr().err
