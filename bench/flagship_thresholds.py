"""Instance F1 of finished flagship runs at the score threshold the validation split chooses.

    python bench/flagship_thresholds.py bench_results/flagship_seeds/current-seed*

For each run folder of ``python -m recipes.mask_rcnn_chips`` (``config.json`` and
``<variant>/inference.keras``), loads the trained whole-chip model, chooses the F1 score
threshold on the validation split's whole chips exactly as the recipe does when
``score_threshold`` is null (``choose_score_threshold``), and evaluates the test split at it.
Prints the run's test instance F1 at its recorded threshold beside the one at the chosen
threshold. It re-scores runs made with a fixed score threshold (training does not depend on the
threshold); a run with ``score_threshold`` null prints the chosen threshold itself.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", help="run folders (workdirs) of the flagship recipe")
    parser.add_argument("--output", help="also write the rows to this JSON file (new file)")
    return parser.parse_args(argv)


def rescore(run: str) -> list[dict]:
    """One row per variant of ``run``: recorded and validation-chosen test instance F1."""
    import keras

    from tfdefect.datasets.chips6.data_config import chips6_class_names
    from tfdefect.evaluation.detection import evaluate_detector
    from tfdefect.recipes.mask_rcnn_chips import RECIPE
    from tfdefect.recipes.mask_rcnn_chips_steps import choose_score_threshold, whole_chips

    config_path = os.path.join(run, "config.json")
    config, _ = RECIPE.configure(
        ["--config", config_path, "--set", "score_threshold=null", "--print-config"]
    )
    with open(os.path.join(run, "comparison.json")) as handle:
        recorded = {row["variant"]: row for row in json.load(handle)}
    builder = config.data.prepare()
    class_names = chips6_class_names(builder)
    rows = []
    for variant, before in recorded.items():
        model = keras.saving.load_model(
            os.path.join(run, variant, "inference.keras"), compile=False
        )
        validation = whole_chips(builder, "validation", config)
        threshold, validation_f1 = choose_score_threshold(model, validation, class_names, None)
        result, _ = evaluate_detector(
            model, whole_chips(builder, "test", config), class_names[1:], threshold, max_plots=0
        )
        rows.append(
            {
                "run": run,
                "variant": variant,
                "seed": config.seed,
                "map50": result["map50"],
                "recorded_threshold": before.get("score_threshold", 0.5),
                "recorded_instance_f1": before["instance_f1"],
                "chosen_threshold": threshold,
                "validation_instance_f1": validation_f1,
                "instance_f1": result["instance_f1"],
                "instance_precision": result["instance_precision"],
                "instance_recall": result["instance_recall"],
                "image_f1": result["image_f1"],
            }
        )
    return rows


def main(argv=None):
    args = parse_args(argv)
    if args.output and os.path.exists(args.output):
        raise SystemExit(f"{args.output}: exists; choose a new file")
    from tfdefect.bench.machine import describe_machine

    print(f"machine: {describe_machine()}", flush=True)
    rows = [row for run in args.runs for row in rescore(run)]
    print(
        "| run | seed | mask mAP@0.5 | F1 at recorded threshold | chosen threshold "
        "| F1 (validation) | F1 (test) | precision | recall |\n" + "|---" * 9 + "|"
    )
    for r in rows:
        print(
            f"| {os.path.basename(r['run'].rstrip('/'))} | {r['seed']} | {r['map50']:.3f} "
            f"| {r['recorded_instance_f1']:.3f} ({r['recorded_threshold']:.2f}) "
            f"| {r['chosen_threshold']:.2f} | {r['validation_instance_f1']:.3f} "
            f"| {r['instance_f1']:.3f} | {r['instance_precision']:.3f} "
            f"| {r['instance_recall']:.3f} |"
        )
    for key in ("recorded_instance_f1", "instance_f1"):
        values = [r[key] for r in rows]
        print(
            f"{key}: median {statistics.median(values):.3f} "
            f"[{min(values):.3f}-{max(values):.3f}] over {len(values)} runs"
        )
    if args.output:
        with open(args.output, "w") as handle:
            json.dump({"machine": describe_machine(), "rows": rows}, handle, indent=1)


if __name__ == "__main__":
    from tfdefect.console import console_logging

    with console_logging():
        main()
