"""Recipe runs as a results table: run recipe commands in fresh processes, collect figures.

    python bench/recipe_runs.py padim_pcb --run=--quick "--run=--quick --model resnet18" \
        --columns image_AUROC pixel_AUROC pixel_AUPRO image_F1Score pixel_F1Score
    python bench/recipe_runs.py segment_chips --run=--quick --rows per_class \
        --columns iou precision recall f1

Each ``--run`` (written ``--run=ARGS``, as ARGS starts with a dash) is the arguments of one
``python -m recipes.<recipe>`` command, run in its own process with its own workdir and
model root under ``--scratch`` (never ``runs/`` or ``saved_models/``). The bench reads the
run's ``metrics.json`` (``results``) and the command's wall time. ``--columns`` are dotted
paths into ``results``; with ``--rows KEY``, ``results[KEY]`` is a list of rows (or a
mapping of name to row) and each becomes a table row. Writes the runs, the table and the
machine line to ``--output``; an interrupted bench resumes (finished runs with the same
settings are kept).
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time

from tfdefect.bench.report import finished_runs, markdown_table, write_bench_json

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recipe", help="recipe module name, e.g. padim_pcb")
    parser.add_argument("--run", dest="runs", action="append", required=True, metavar="ARGS")
    parser.add_argument("--columns", nargs="+", required=True, metavar="PATH")
    parser.add_argument("--rows", help="results key holding one row per variant / class")
    parser.add_argument("--output", help="JSON file (default bench_results/<recipe>_runs.json)")
    parser.add_argument("--scratch", help="workdirs (default bench_results/<recipe>_runs/)")
    args = parser.parse_args(argv)
    args.output = args.output or os.path.join("bench_results", f"{args.recipe}_runs.json")
    args.scratch = args.scratch or os.path.join("bench_results", f"{args.recipe}_runs")
    return args


def run_one(recipe: str, arguments: str, workdir: str) -> dict:
    """One recipe command in a fresh process; its ``results`` and wall seconds."""
    command = [sys.executable, "-m", f"recipes.{recipe}", *shlex.split(arguments)]
    command += ["--workdir", workdir, "--set", f"export.dir={os.path.join(workdir, 'models')}"]
    print("$", shlex.join(command), flush=True)
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=REPO)
    seconds = time.perf_counter() - started
    with open(os.path.join(workdir, "metrics.json")) as handle:
        results = json.load(handle)["results"]
    return {"arguments": arguments, "seconds": seconds, "results": results}


def lookup(values: dict, path: str):
    """``values`` at a dotted ``path`` (None where a key is missing)."""
    for key in path.split("."):
        if not isinstance(values, dict) or key not in values:
            return None
        values = values[key]
    return values


def cell(value, column: str = "") -> str:
    if isinstance(value, float) and column.endswith(("_s", "seconds")):
        return f"{value:.1f}"
    if isinstance(value, float):
        return f"{value:.1e}" if 0 < abs(value) < 1e-3 else f"{value:.3f}"
    if isinstance(value, int):
        return f"{value:,}"
    return "" if value is None else str(value)


def table(payload: dict) -> str:
    """Markdown: one row per run (or per run and row of ``--rows``), the columns asked for."""
    settings = payload["settings"]
    columns, rows_key = settings["columns"], settings.get("rows")
    labels = [c.removeprefix("per_class.").replace(".", " ").replace("_", " ") for c in columns]
    header = ["command"] + (["row"] if rows_key else []) + labels + ["wall s"]
    rows = []
    for run in payload["runs"]:
        label = f"`{settings['recipe']} {run['arguments']}`".replace(" `", "`")
        wall = f"{run['seconds']:.0f}"
        if not rows_key:
            rows.append([label, *[cell(lookup(run["results"], c), c) for c in columns], wall])
            continue
        entries = run["results"].get(rows_key) or []
        if isinstance(entries, dict):
            entries = [{"name": name, **entry} for name, entry in entries.items()]
        for entry in entries:
            name = entry.get("name") or entry.get("variant") or entry.get("model") or ""
            rows.append([label, name, *[cell(lookup(entry, c), c) for c in columns], wall])
    return markdown_table(header, rows)


def main(argv=None) -> None:
    from tfdefect.bench.machine import describe_machine

    args = parse_args(argv)
    settings = {"recipe": args.recipe, "columns": args.columns, "rows": args.rows}
    machine = describe_machine()
    print("machine:", machine)
    done = {r["arguments"]: r for r in finished_runs(args.output, settings)}
    runs = []
    for index, arguments in enumerate(args.runs):
        if arguments not in done:
            workdir = os.path.abspath(os.path.join(args.scratch, f"run{index}"))
            done[arguments] = run_one(args.recipe, arguments, workdir)
        runs.append(done[arguments])
        payload = {"settings": settings, "runs": runs}
        write_bench_json(args.output, machine, {**payload, "table": table(payload)})
    print(table({"settings": settings, "runs": runs}))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    from tfdefect.console import console_logging

    with console_logging():
        main()
