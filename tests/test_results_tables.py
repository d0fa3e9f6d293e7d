"""Every measured table in the docs is generated from its committed result file."""

import os

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
