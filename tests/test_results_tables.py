"""Every measured table in the docs is generated from its committed result file."""

import os
import re

import pytest

import scripts.render_results as render


def _marked_tables() -> list[tuple[str, str, str]]:
    """(page, result file, the page's lines between the markers) of every marked table."""
    found = []
    for page in render.pages():
        with open(page) as handle:
            text = handle.read()
        relative = os.path.relpath(page, render.ROOT)
        found += [(relative, m.group("path"), m.group("body")) for m in render.BLOCK.finditer(text)]
    return found


TABLES = _marked_tables()


def test_the_docs_have_generated_tables_from_committed_result_files():
    assert TABLES
    for page, path, _ in TABLES:
        assert path.startswith("bench/results/"), (page, path)
        assert os.path.isfile(os.path.join(render.ROOT, path)), (page, path)


@pytest.mark.parametrize("page, path, body", TABLES, ids=[f"{p}:{f}" for p, f, _ in TABLES])
def test_each_table_matches_its_result_file(page, path, body):
    assert body == render.rendered(path), (
        f"{page}: the table of {path} differs from the file; run python scripts/render_results.py"
    )


def test_rendering_rewrites_only_the_marked_lines(monkeypatch):
    monkeypatch.setattr(render, "rendered", lambda path: f"table of {path}\n")
    text = "before\n<!-- results: x.json -->\nold\n<!-- end results -->\nafter\n"
    assert render.render_page(text) == (
        "before\n<!-- results: x.json -->\ntable of x.json\n<!-- end results -->\nafter\n"
    )


MEASURED_PAGES = ("docs/benchmarks.md", "docs/scale-out.md", "docs/systems/")
FIGURE = re.compile(r"\d\.\d\d|\d+(\.\d+)? ?(ms|s|GB|MB|MiB|img/s)\b")


def _unmarked_figure_tables(text: str) -> list[str]:
    """The header lines of tables with measured figures outside the results markers."""
    found, inside, lines, i = [], False, text.split("\n"), 0
    while i < len(lines):
        line = lines[i]
        inside = line.startswith("<!-- results:") or (inside and not line.startswith("<!-- end"))
        if line.lstrip().startswith("|") and not inside:
            end = i
            while end < len(lines) and lines[end].lstrip().startswith("|"):
                end += 1
            if FIGURE.search("\n".join(lines[i + 2 : end])):
                found.append(line.strip())
            i = end
            continue
        i += 1
    return found


def test_every_table_of_measured_figures_is_generated():
    unmarked = []
    for page in render.pages():
        relative = os.path.relpath(page, render.ROOT)
        if relative.startswith(MEASURED_PAGES):
            with open(page) as handle:
                unmarked += [f"{relative}: {h}" for h in _unmarked_figure_tables(handle.read())]
    assert not unmarked, unmarked


def test_an_unmarked_figure_table_is_found():
    table = "| model | ms |\n|---|---|\n| a | 1.25 |\n"
    assert _unmarked_figure_tables("text\n\n" + table) == ["| model | ms |"]
    marked = "<!-- results: x.json -->\n" + table + "\n<!-- end results -->\n"
    assert _unmarked_figure_tables(marked) == []
    assert _unmarked_figure_tables("| path | what |\n|---|---|\n| `a/b` | the run |\n") == []


def test_a_missing_result_file_is_reported_and_its_table_kept():
    text = "<!-- results: bench/results/no_such.json -->\nold\n<!-- end results -->\n"
    missing = []
    assert render.render_page(text, missing) == text
    assert missing == ["bench/results/no_such.json"]
    with pytest.raises(FileNotFoundError):
        render.render_page(text)
