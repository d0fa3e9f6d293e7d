"""Guarantee: a prepared dataset is found by what it was made from wherever it is built,
a failed rebuild keeps the earlier data, and an export that loses a version race takes
the next free version instead of failing after the whole export."""

import json
import os
import shutil

import onnx
import pytest

from tests import tiny_models
from tfdefect.cli import main
from tfdefect.datasets import prepare
from tfdefect.datasets.casting import Builder
from tfdefect.export import publish

DUMMY_CASTING = os.path.join(
    os.path.dirname(__file__), "..", "..", "tfdefect", "datasets", "casting", "dummy_data"
)
WAFER = ["build-dataset", "wafer_sem", "--set", "num_sites=120", "--set", "image_size=16"]


def _prepared(capsys) -> tuple[str, dict]:
    """(prepared path, examples per split) from build-dataset's output."""
    lines = capsys.readouterr().out.strip().splitlines()
    path = next(line for line in lines if " prepared at " in line).split(" prepared at ")[1]
    counts = {}
    for line in lines:
        if line.startswith("  ") and ": " in line:
            split, count = line.strip().split(": ")
            counts[split] = int(count.split()[0])
    return path, counts


def test_another_manual_folder_builds_anew_on_the_command_line(tmp_path, capsys):
    first, second = tmp_path / "a", tmp_path / "b"
    shutil.copytree(DUMMY_CASTING, first)
    shutil.copytree(DUMMY_CASTING, second)
    extra = next((second / "train" / "ok_front").iterdir())
    shutil.copy(extra, second / "train" / "ok_front" / "cast_ok_front_1.jpeg")
    data_dir = str(tmp_path / "tfds")
    command = ["build-dataset", "casting", "--config", "manual", "--data-dir", data_dir]
    assert main([*command, "--manual-dir", str(first)]) == 0
    path_a, counts_a = _prepared(capsys)
    assert main([*command, "--manual-dir", str(second)]) == 0
    path_b, counts_b = _prepared(capsys)
    assert path_a != path_b
    assert sum(counts_b.values()) == sum(counts_a.values()) + 1
    # keyed as the recipes and Python key it: settings, version, the folder's fingerprint
    (manual,) = [c for c in Builder.BUILDER_CONFIGS if c.name == "manual"]
    key = prepare.config_key(Builder, manual, str(second))
    assert f"manual_{key}" in path_b


def test_a_failed_rebuild_keeps_the_prepared_dataset(tmp_path, capsys, monkeypatch):
    command = [*WAFER, "--data-dir", str(tmp_path / "tfds")]
    assert main(command) == 0
    path, counts = _prepared(capsys)
    before = sorted(os.listdir(path))

    def failing(builder, manual_dir):
        raise ValueError("generator failed half-way")

    monkeypatch.setattr(prepare, "_download_and_prepare", failing)
    assert main([*command, "--rebuild"]) == 2
    assert "generator failed half-way" in capsys.readouterr().err
    assert sorted(os.listdir(path)) == before
    assert [n for n in os.listdir(tmp_path / "tfds") if n.startswith(".")] == []
    monkeypatch.undo()
    assert main([*command, "--rebuild"]) == 0
    assert _prepared(capsys) == (path, counts)


def test_an_export_that_loses_the_version_race_takes_the_next_one(tmp_path, monkeypatch):
    model = tiny_models.classifier()
    base = tmp_path / "served" / "luna"
    check = publish.check_finite_outputs

    def another_export_publishes_first(*args, **kwargs):
        (base / "1").mkdir(parents=True)  # another process published version 1 meanwhile
        (base / "1" / "saved_model.pb").write_bytes(b"theirs")
        return check(*args, **kwargs)

    monkeypatch.setattr(publish, "check_finite_outputs", another_export_publishes_first)
    published = publish.publish_model(model, str(tmp_path / "served"), "luna", log=None)
    assert published.version == 2 and published.path == str(base / "2")
    assert (base / "1" / "saved_model.pb").read_bytes() == b"theirs"  # theirs untouched
    with open(base / "2" / "assets.extra" / "tfdefect.json") as handle:
        assert json.load(handle)["version"] == 2
    props = {p.key: p.value for p in onnx.load(published.onnx_path).metadata_props}
    assert json.loads(props["tfdefect"])["version"] == 2
    assert sorted(os.listdir(base)) == ["1", "2"]


def test_an_explicit_overwrite_never_moves_to_another_version(tmp_path, monkeypatch):
    model = tiny_models.classifier()
    publish.publish_model(model, str(tmp_path), "luna", onnx=False, log=None)
    published = publish.publish_model(
        model, str(tmp_path), "luna", overwrite=1, onnx=False, log=None
    )
    assert published.version == 1 and sorted(os.listdir(tmp_path / "luna")) == ["1"]
    with pytest.raises(FileNotFoundError, match="--overwrite 7"):
        publish.publish_model(model, str(tmp_path), "luna", overwrite=7, onnx=False, log=None)
