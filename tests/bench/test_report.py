import json

from tfdefect.bench.report import finished_runs, mean_min_max, write_bench_json


def test_finished_runs_are_kept_only_for_the_same_settings(tmp_path):
    path = str(tmp_path / "bench.json")
    assert finished_runs(path, {"steps": 10}) == []
    write_bench_json(path, "a machine", {"settings": {"steps": 10, "variants": ["a"]}, "runs": [1]})
    assert json.loads(open(path).read())["machine"] == "a machine"
    assert finished_runs(path, {"steps": 10, "variants": ["a"]}) == [1]
    assert finished_runs(path, {"steps": 20, "variants": ["a"]}) == []
    assert finished_runs(path, {"steps": 10, "variants": ["b"]}) == []
    assert finished_runs(path, {"steps": 10, "variants": ["b"]}, ignore=("variants",)) == [1]


def test_mean_min_max_skips_missing_values():
    assert mean_min_max([1.0, None, 3.0]) == {"mean": 2.0, "min": 1.0, "max": 3.0}
