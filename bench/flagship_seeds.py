"""How reliable is the quickstart command (README)? The quick flagship over seeds, in fresh
processes.

    python bench/flagship_seeds.py                              # seeds 0-4, this checkout
    python bench/flagship_seeds.py --baseline-rev REV           # and git commit REV beside it
    python bench/flagship_seeds.py --baseline-rev REV --baseline-seeds 0 1
    python bench/flagship_seeds.py --set data.seed=7            # chips of another generator seed

Runs ``python -m recipes.mask_rcnn_chips --quick --set seed=N`` once per seed, each in its
own process and workdir (exported into a scratch model root, never ``saved_models/``), and
reads the run's ``comparison.json`` (test split: mask mAP@0.5, mAP@[.5:.95], instance and
image F1 at score 0.5) and the recipe's wall time. With ``--baseline-rev`` the same seeds
run from a git worktree of that commit (made under the output folder), alternating with
this checkout's runs so that machine drift hits both alike; the table then puts the two
side by side with the ratio of median wall times. Prints every run, then median and
[min-max] per checkout, and writes ``bench_results/flagship_seeds.json``. An interrupted
bench resumes: finished runs found in the output file with the same settings are kept.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from tfdefect.bench.report import finished_runs, write_bench_json

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

RESULTS = os.path.join("bench_results", "flagship_seeds.json")
METRICS = ("map50", "map", "instance_f1", "image_f1")
HEADERS = ("mask mAP@0.5", "mask mAP@[.5:.95]", "F1 (instance)", "F1 (image)")
# columns older checkouts may not write (their runs show them empty)
OPTIONAL = {"score_threshold": "score threshold (validation)"}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--baseline-rev", help="also run this git revision (a worktree)")
    parser.add_argument(
        "--baseline-seeds", type=int, nargs="+", help="seeds of the baseline (default: --seeds)"
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra recipe settings for every run (e.g. data.seed=7)",
    )
    parser.add_argument("--output", default=RESULTS)
    parser.add_argument("--scratch", default=os.path.join("bench_results", "flagship_seeds"))
    return parser.parse_args(argv)


def _worktree(revision: str, scratch: str) -> str:
    """A git worktree of ``revision`` under ``scratch`` (made once, reused)."""
    path = os.path.abspath(os.path.join(scratch, f"rev-{revision}"))
    if not os.path.isdir(path):
        os.makedirs(scratch, exist_ok=True)
        subprocess.run(
            ["git", "-C", REPO, "worktree", "add", "--detach", path, revision], check=True
        )
    return path


def run_one(checkout: str, label: str, seed: int, overrides: list, scratch: str) -> dict:
    """One quick flagship run of ``checkout`` with ``seed``; its figures and wall time."""
    workdir = os.path.abspath(os.path.join(scratch, f"{label}-seed{seed}"))
    command = [
        sys.executable,
        "-m",
        "recipes.mask_rcnn_chips",
        "--quick",
        "--workdir",
        workdir,
        "--set",
        f"seed={seed}",
        "--set",  # export_dir: export.dir's deprecated name, which every version accepts
        f"export_dir={os.path.abspath(os.path.join(scratch, 'models'))}",
    ]
    for item in overrides:
        command += ["--set", item]
    environment = dict(os.environ, PYTHONPATH=checkout)
    started = time.time()
    log_path = workdir + ".log"
    os.makedirs(os.path.dirname(log_path), exist_ok=True)
    with open(log_path, "w") as log:
        done = subprocess.run(command, cwd=checkout, env=environment, stdout=log, stderr=log)
    seconds = time.time() - started
    if done.returncode != 0:
        raise RuntimeError(f"{label} seed {seed} failed (exit {done.returncode}); see {log_path}")
    with open(os.path.join(workdir, "comparison.json")) as handle:
        (row,) = json.load(handle)
    return {
        "checkout": label,
        "seed": seed,
        "seconds": round(seconds, 1),
        **{k: row[k] for k in METRICS},
        **{k: row[k] for k in OPTIONAL if k in row},
    }


def _spread(values: list) -> str:
    return f"{statistics.median(values):.3f} [{min(values):.3f}-{max(values):.3f}]"


def table(runs: list) -> str:
    """Markdown: every run, then median [min-max] per checkout."""
    from tfdefect.bench.report import markdown_table

    optional = [k for k in OPTIONAL if any(k in r for r in runs)]
    header = ["checkout", "seed", *HEADERS, *[OPTIONAL[k] for k in optional], "recipe s"]
    rows = []
    for run in runs:
        extra = [f"{run[k]:.2f}" if k in run else "" for k in optional]
        figures = [f"{run[k]:.3f}" for k in METRICS]
        rows.append([run["checkout"], run["seed"], *figures, *extra, f"{run['seconds']:.0f}"])
    for label in dict.fromkeys(r["checkout"] for r in runs):
        mine = [r for r in runs if r["checkout"] == label]
        spreads = [_spread([r[k] for r in mine]) for k in METRICS]
        seconds = statistics.median(r["seconds"] for r in mine)
        blanks = [""] * len(optional)
        rows.append([label, "median [min-max]", *spreads, *blanks, f"{seconds:.0f}"])
    return markdown_table(header, rows)


def main(argv=None):
    args = parse_args(argv)
    from tfdefect.bench.machine import describe_machine

    machine = describe_machine()
    print(f"machine: {machine}", flush=True)
    baseline_seeds = args.baseline_seeds if args.baseline_seeds is not None else args.seeds
    settings = {
        "seeds": args.seeds,
        "baseline": args.baseline_rev,
        "baseline_seeds": baseline_seeds,
        "overrides": args.overrides,
    }
    runs = finished_runs(args.output, settings)
    checkouts = [("current", REPO)]
    if args.baseline_rev:
        checkouts.append((args.baseline_rev, _worktree(args.baseline_rev, args.scratch)))
    for seed in sorted(set(args.seeds) | set(baseline_seeds)):
        for label, checkout in checkouts:
            wanted = args.seeds if label == "current" else baseline_seeds
            if seed not in wanted or any(
                r["checkout"] == label and r["seed"] == seed for r in runs
            ):
                continue
            run = run_one(checkout, label, seed, args.overrides, args.scratch)
            runs.append(run)
            print(json.dumps(run), flush=True)
            payload = {"settings": settings, "runs": runs, "table": table(runs)}
            write_bench_json(args.output, machine, payload)
    print(table(runs))
    times = {
        label: statistics.median(r["seconds"] for r in runs if r["checkout"] == label)
        for label, _ in checkouts
    }
    if args.baseline_rev:
        ratio = times["current"] / times[args.baseline_rev]
        print(f"recipe wall time, median: current / {args.baseline_rev} = {ratio:.2f}")


if __name__ == "__main__":
    from tfdefect.console import console_logging

    with console_logging():
        main()
