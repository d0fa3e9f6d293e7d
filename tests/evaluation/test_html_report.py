"""report.html: the run's tables and figures in one self-contained page, checked as text
and in a real browser (headless Chromium)."""

import dataclasses
import os
import re
import shutil
import subprocess

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from tfdefect.evaluation import write_run_report  # noqa: E402
from tfdefect.evaluation.html_report import render_report_page, run_figures  # noqa: E402


@dataclasses.dataclass
class _Config:
    epochs: int = 3
    name: str = "<b>bold</b>"


RESULTS = {
    "map50": 0.7312,
    "instance_f1": 0.5,
    "per_class": {"bump": {"ap50": 0.9, "ap": 0.41}, "<dent>": {"ap50": float("nan"), "ap": 0.2}},
    "variants": [
        {"variant": "r25_c3", "map50": 0.61, "coco_segm": {"AP": 0.3, "AP50": 0.61}},
        {"variant": "r25_c6_merge", "map50": 0.73, "coco_segm": {"AP": 0.4, "AP50": 0.73}},
    ],
}


def _figures(folder):
    for index, name in enumerate(("roc.png", "sub/predictions.png")):
        path = folder / name
        path.parent.mkdir(exist_ok=True)
        figure, axis = plt.subplots(figsize=(3, 2))
        axis.plot(np.arange(10) ** (index + 1))
        figure.savefig(path)
        plt.close(figure)
    (folder / "logs").mkdir()
    (folder / "logs" / "ignored.png").write_bytes(b"not a figure")


def test_page_holds_tables_figures_and_config(tmp_path):
    _figures(tmp_path)
    assert [os.path.relpath(p, tmp_path) for p in run_figures(str(tmp_path))] == [
        "roc.png",
        os.path.join("sub", "predictions.png"),
    ]
    write_run_report(str(tmp_path), "demo", _Config(), RESULTS, ["saved_models/demo/1"])
    page = (tmp_path / "report.html").read_text()
    metrics = re.search(r'<table id="metrics">(.*?)</table>', page, re.S).group(1)
    assert "map50" in metrics and "0.7312" in metrics and "instance_f1" in metrics
    assert page.count('src="data:image/png;base64,') == 2  # inlined: no file links
    assert "&lt;dent&gt;" in page and "<dent>" not in page  # names are escaped
    assert "&lt;b&gt;bold&lt;/b&gt;" in page  # so is the config
    assert "r25_c6_merge" in page and "r25_c3: coco_segm" in page
    assert "saved_models/demo/1" in page
    assert not re.search(r'(src|href)="(?!data:)', page)  # nothing external to fetch


def test_page_of_an_empty_run_still_renders():
    page = render_report_page({"recipe": "x", "results": {}})
    assert page.startswith("<!DOCTYPE html>") and page.endswith("</html>")


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if shutil.which(name):
            return shutil.which(name)
    if os.environ.get("TFDEFECT_REQUIRE_BROWSER"):
        pytest.fail("no chromium on PATH (apt-get install chromium); .ci/run installs it")
    pytest.skip("no chromium on PATH (apt-get install chromium)")


def test_page_loads_in_headless_chromium_with_its_table_and_figures(tmp_path):
    browser = _chromium()
    _figures(tmp_path)
    write_run_report(str(tmp_path), "demo", _Config(), RESULTS)
    url = (tmp_path / "report.html").as_uri()
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        f"--user-data-dir={tmp_path / 'profile'}",
        "--virtual-time-budget=3000",
    ]
    screenshot = tmp_path / "report.png"
    subprocess.run(
        [browser, *flags, f"--screenshot={screenshot}", "--window-size=1200,1600", url],
        check=True,
        capture_output=True,
        timeout=120,
    )
    dom = subprocess.run(
        [browser, *flags, "--dump-dom", url],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    assert 'data-figures-decoded="2/2"' in dom  # the page's script ran; both figures decoded
    assert int(re.search(r'data-tables="(\d+)"', dom).group(1)) >= 4
    assert re.search(r'<table id="metrics">.*0\.7312', dom, re.S)
    import cv2

    shot = cv2.imread(str(screenshot))
    assert shot is not None and shot.shape[:2] == (1600, 1200)
    assert shot.std() > 10  # not a blank page: text, table rules and figures drawn
    # the metrics table's dark text sits in the page's upper part, left of centre
    assert (shot[:600, :600] < 100).mean() > 0.005
