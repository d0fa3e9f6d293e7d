"""Write the measured tables of the docs from the committed result files.

A docs page marks a table with two comments; the lines between them are generated:

    <!-- results: bench/results/wafer_pruning_resnet18.json -->
    (the file's "table", then the machine line)
    <!-- end results -->

    python scripts/render_results.py           # rewrite every marked table in docs/
    python scripts/render_results.py --check   # exit 1 naming each table that differs

The result files are what the bench scripts write (``--output`` / ``--json``), copied into
``bench/results/``: ``machine`` (the machine line) and ``table`` (markdown) at least; an
optional ``note`` (e.g. where the figures came from) is printed after the machine line.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BLOCK = re.compile(
    r"(<!-- results: (?P<path>[^ ]+) -->\n)(?P<body>.*?)(<!-- end results -->)", re.DOTALL
)


def rendered(path: str) -> str:
    """The markdown a result file gives: its table and the machine that measured it."""
    with open(os.path.join(ROOT, path)) as handle:
        results = json.load(handle)
    if "table" not in results or "machine" not in results:
        raise SystemExit(f"{path}: a result file needs 'table' and 'machine'")
    note = f" {results['note'].strip()}" if results.get("note") else ""
    return f"{results['table'].rstrip()}\n\nMeasured on: {results['machine']}.{note}\n"


def render_page(text: str, missing: list | None = None) -> str:
    """``text`` with every marked table generated from its file; a table whose file does not
    exist is left as it is and its path added to ``missing`` (raised on when not given)."""

    def table(match):
        path = match.group("path")
        if missing is not None and not os.path.isfile(os.path.join(ROOT, path)):
            missing.append(path)
            return match.group(0)
        return match.group(1) + rendered(path) + match.group(4)

    return BLOCK.sub(table, text)


def pages() -> list[str]:
    return sorted(glob.glob(os.path.join(ROOT, "docs", "**", "*.md"), recursive=True))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report tables that differ")
    args = parser.parse_args(argv)
    stale, missing = [], []
    for page in pages():
        with open(page) as handle:
            text = handle.read()
        before = len(missing)
        new = render_page(text, missing)
        for path in missing[before:]:
            print(f"{os.path.relpath(page, ROOT)}: {path} does not exist", file=sys.stderr)
        if new == text:
            continue
        stale.append(os.path.relpath(page, ROOT))
        if not args.check:
            with open(page, "w") as handle:
                handle.write(new)
    verb = "differ from their result files" if args.check else "rewritten"
    for page in stale:
        print(f"{page}: tables {verb}")
    return 1 if (args.check and stale) or missing else 0


if __name__ == "__main__":
    sys.exit(main())
