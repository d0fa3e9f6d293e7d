"""The chips Mask R-CNN report's claim: does the 6-channel Mask R-CNN beat the 3-channel ones?

    python bench/chips_variants.py                      # the whole table, ~2 h on 2 cores
    python bench/chips_variants.py --steps 600 --variants r25_c3 r25_c6_merge

Trains every variant (r50_c3, r25_c3, r50_c6_merge, r25_c6_merge; the last separates the
channels from the backbone) with several seeds on the same synthetic chips6 data, each run
in its own process and seeded end to end (weights, data order, crops, ROI sampling; TF op
determinism on), so one seed gives the same figures again. Training follows the recipe: Adam
with the recipe's cosine decay to 0 at the last step (``--lr-decay constant`` for a fixed
rate), balanced RPN loss (``--no-rpn-balanced-loss``: Matterport's), 32 ROIs and a
64-channel mask head. Per run: mask mAP@0.5 and mAP@[.5:.95], instance and image F1 at score
0.5 and the false positives on drill holes (dent or dot detections with at least a quarter
of their mask on the drill channel, which a 3-channel model does not see; no true defect
touches a drill hole in chips6). Prints the table (mean and min-max per variant) and a
verdict on six vs three channels, and writes ``bench_results/chips_variants.json``. Finished
runs found in that file are kept and not run again (``--fresh`` starts over), so an
interrupted bench resumes."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

RESULTS = os.path.join("bench_results", "chips_variants.json")
METRICS = ("map50", "map", "instance_f1", "image_f1", "drill_false_positives")
HEADERS = ("mask mAP@0.5", "mask mAP@[.5:.95]", "F1 (instance)", "F1 (image)", "FP on drill")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--variants", nargs="+", default=["r25_c3", "r25_c6_merge", "r50_c3", "r50_c6_merge"]
    )
    parser.add_argument("--seeds-resnet25", type=int, default=3)
    parser.add_argument("--seeds-resnet50", type=int, default=2)
    parser.add_argument("--steps", type=int, default=1500, help="training steps per run")
    parser.add_argument("--crop", type=int, default=96, help="training crop side (pixels)")
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--learning-rate", type=float, default=5e-4)
    parser.add_argument(
        "--lr-decay",
        choices=("constant", "cosine"),
        default="cosine",
        help="the recipe's schedule (cosine decay to 0 at the last step) or a constant rate",
    )
    parser.add_argument(
        "--rpn-balanced-loss",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="RPN objectness: mean over positives plus mean over negatives (the recipe's); "
        "--no-rpn-balanced-loss: Matterport's mean over all sampled anchors",
    )
    parser.add_argument("--train-chips", type=int, default=512)
    parser.add_argument("--test-chips", type=int, default=96)
    parser.add_argument("--output", default=RESULTS)
    parser.add_argument("--fresh", action="store_true", help="ignore finished runs in --output")
    parser.add_argument("--one", nargs=2, metavar=("VARIANT", "SEED"), help=argparse.SUPPRESS)
    parser.add_argument("--row-file", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    from tfdefect.bench.budget import whole_epochs

    whole_epochs(args.steps, epoch_steps(args.steps))
    return args


def epoch_steps(steps: int) -> int:
    """Steps between progress lines: 100, or all of a shorter run."""
    return min(100, steps)


def run_one(args, name: str, seed: int) -> dict:
    """Train and evaluate one variant with one seed (in this process); return its row."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()

    from tfdefect.bench.budget import whole_epochs
    from tfdefect.data.channel_selection import first_channels
    from tfdefect.data.detection_pipeline import detection_pipeline
    from tfdefect.datasets.chips6.data_config import Chips6DataConfig
    from tfdefect.datasets.chips6.names import CHANNEL_NAMES, CLASS_NAMES
    from tfdefect.evaluation.channel_false_positives import detections_on_channel
    from tfdefect.evaluation.detection import (
        EVALUATION_MIN_CONFIDENCE,
        evaluate_detector,
    )
    from tfdefect.models.mask_rcnn.mask_rcnn import MaskRCNN
    from tfdefect.recipes.mask_rcnn_chips import VARIANTS
    from tfdefect.training.learning_rate import ScheduledLearningRate
    from tfdefect.training.train_config import TrainConfig

    variant = VARIANTS[name]
    channels = variant["channels"]
    data = Chips6DataConfig(num_train=args.train_chips, num_validation=16, num_test=args.test_chips)
    builder = data.prepare()
    train = detection_pipeline(
        builder.as_dataset(split="train"),
        batch_size=args.batch,
        training=True,
        seed=seed,
        crop_size=args.crop,
    )
    train = first_channels(train, channels).repeat()
    test = detection_pipeline(builder.as_dataset(split="test"), batch_size=4, training=False)
    settings = dict(
        num_classes=len(CLASS_NAMES),
        backbone=variant["backbone"],
        merge_channels=variant["merge_channels"],
        train_rois=32,
        mask_channels=64,
        rpn_balanced_loss=args.rpn_balanced_loss,
        detection_min_confidence=EVALUATION_MIN_CONFIDENCE,
    )
    trained = MaskRCNN(image_shape=(args.crop, args.crop, channels), **settings)
    trained.compile(optimizer=keras.optimizers.Adam(args.learning_rate, clipnorm=5.0))
    every = epoch_steps(args.steps)

    class Progress(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            print(
                f"  {name} seed {seed}: step {(epoch + 1) * every}/{args.steps}, "
                f"loss {logs['loss']:.3f}, {time.time() - started:.0f} s",
                flush=True,
            )

    started = time.time()
    trained.fit(
        train,
        steps_per_epoch=every,
        epochs=whole_epochs(args.steps, every),
        verbose=0,
        callbacks=[
            ScheduledLearningRate(
                TrainConfig(learning_rate=args.learning_rate, lr_decay=args.lr_decay)
            ),
            Progress(),
        ],
    )
    train_seconds = time.time() - started
    whole = MaskRCNN(image_shape=(data.image_size, data.image_size, channels), **settings)
    whole.set_weights(trained.get_weights())
    result, _ = evaluate_detector(whole, test, CLASS_NAMES[1:], 0.5, max_plots=0)
    drill = detections_on_channel(
        whole,
        test,
        channel=CHANNEL_NAMES.index("drill"),
        class_ids={CLASS_NAMES.index("dent"), CLASS_NAMES.index("dot")},
        score_threshold=0.5,
    )
    return {
        "variant": name,
        "seed": seed,
        "steps": args.steps,
        "map50": result["map50"],
        "map": result["map"],
        "instance_f1": result["instance_f1"],
        "image_f1": result["image_f1"],
        "bbox_map50": result["bbox_map50"],
        "drill_false_positives": drill,
        "train_seconds": round(train_seconds, 1),
        **{f"ap50_{k}": v["ap50"] for k, v in result["per_class"].items()},
    }


def planned_runs(args) -> list[tuple[str, int]]:
    from tfdefect.recipes.mask_rcnn_chips import VARIANTS

    unknown = [v for v in args.variants if v not in VARIANTS]
    if unknown:
        raise SystemExit(f"unknown variants {unknown}; valid: {', '.join(VARIANTS)}")
    runs = []
    for name in args.variants:
        resnet25 = VARIANTS[name]["backbone"] == "resnet25"
        seeds = args.seeds_resnet25 if resnet25 else args.seeds_resnet50
        runs += [(name, seed) for seed in range(seeds)]
    return runs


def summary(rows: list[dict], variants: list[str]) -> tuple[str, dict]:
    """Markdown table of mean [min-max] per variant, and those figures as a dict."""
    from tfdefect.bench.report import mean_min_max

    table = "| variant | runs | " + " | ".join(HEADERS) + " | train s |\n"
    table += "|---" * (len(HEADERS) + 3) + "|\n"
    figures = {}
    for name in variants:
        own = [r for r in rows if r["variant"] == name]
        if not own:
            continue
        figures[name] = {m: mean_min_max([r[m] for r in own]) for m in (*METRICS, "train_seconds")}
        cells = [
            f"{f['mean']:.3f} [{f['min']:.3f}-{f['max']:.3f}]"
            if m != "drill_false_positives"
            else f"{f['mean']:.1f} [{f['min']}-{f['max']}]"
            for m, f in ((m, figures[name][m]) for m in METRICS)
        ]
        seconds = figures[name]["train_seconds"]["mean"]
        table += f"| {name} | {len(own)} | " + " | ".join(cells) + f" | {seconds:.0f} |\n"
    return table, figures


def verdict(figures: dict, counts: dict) -> list[str]:
    """Six vs three channels per backbone on mask mAP@0.5, instance F1 and the false
    positives on drill holes: "beyond the spread" (over seeds) only when every run of one
    variant is better than every run of the other (``counts``: runs per variant, at least two
    a side)."""
    lines = []
    for backbone in ("r25", "r50"):
        three, six = figures.get(f"{backbone}_c3"), figures.get(f"{backbone}_c6_merge")
        if not three or not six:
            continue
        for metric, label, higher_is_better in (
            ("map50", "mask mAP@0.5", True),
            ("instance_f1", "instance F1", True),
            ("drill_false_positives", "false positives on drill holes", False),
        ):
            a, b = three[metric], six[metric]
            if min(counts[f"{backbone}_c3"], counts[f"{backbone}_c6_merge"]) < 2:
                lines.append(
                    f"{backbone} {label}: 3 ch {a['mean']:.3f} vs 6 ch + merge "
                    f"{b['mean']:.3f}: fewer than two seeds on a side, no spread to judge by"
                )
                continue
            if higher_is_better:
                six_wins, three_wins = b["min"] > a["max"], a["min"] > b["max"]
            else:
                six_wins, three_wins = b["max"] < a["min"], a["max"] < b["min"]
            word = (
                "six channels better beyond the seed spread"
                if six_wins
                else "three channels better beyond the seed spread"
                if three_wins
                else "the seed spreads overlap"
            )
            lines.append(
                f"{backbone} {label}: 3 ch {a['mean']:.3f} [{a['min']:.3f}-{a['max']:.3f}] vs "
                f"6 ch + merge {b['mean']:.3f} [{b['min']:.3f}-{b['max']:.3f}]: {word}"
            )
    return lines


def main(argv=None):
    args = parse_args(argv)
    if args.one:
        row = run_one(args, args.one[0], int(args.one[1]))
        with open(args.row_file, "w") as handle:
            json.dump(row, handle)
        return
    from tfdefect.bench.machine import describe_machine
    from tfdefect.bench.report import finished_runs, write_bench_json

    machine = describe_machine()
    settings = {k: v for k, v in vars(args).items() if k not in ("one", "row_file", "fresh")}
    print(f"machine: {machine}\nsettings: {settings}", flush=True)
    # how many seeds to run does not change a finished run
    kept = ("variants", "seeds_resnet25", "seeds_resnet50")
    rows = [] if args.fresh else finished_runs(args.output, settings, ignore=kept)
    done = {(r["variant"], r["seed"]) for r in rows}
    row_file = args.output + ".run.json"
    for name, seed in planned_runs(args):
        if (name, seed) in done:
            continue
        print(f"{name} seed {seed}: training {args.steps} steps", flush=True)
        command = [sys.executable, os.path.abspath(__file__), *(argv or sys.argv[1:])]
        command += ["--one", name, str(seed), "--row-file", row_file]
        os.makedirs(os.path.dirname(os.path.abspath(row_file)), exist_ok=True)
        subprocess.run(command, check=True)
        with open(row_file) as handle:
            row = json.load(handle)
        os.remove(row_file)
        print(json.dumps(row), flush=True)
        rows.append(row)
        write_bench_json(args.output, machine, {"settings": settings, "runs": rows})
    table, figures = summary(rows, args.variants)
    lines = verdict(figures, {v: sum(r["variant"] == v for r in rows) for v in args.variants})
    print(table + "\n".join(lines), flush=True)
    write_bench_json(
        args.output,
        machine,
        {"settings": settings, "runs": rows, "summary": figures, "verdict": lines},
    )


if __name__ == "__main__":
    from tfdefect.console import console_logging

    with console_logging():
        main()
