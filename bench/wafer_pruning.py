"""Channel pruning of the trained wafer classifier: size, batch-1 latency and recall at
0 / 30 / 50 / 70% of the MACs removed.

    python -m recipes.wafer_mobilenet                    # trains the base model (224 px)
    python bench/wafer_pruning.py --base runs/wafer_mobilenet/checkpoints/best.keras
    python bench/wafer_pruning.py --base ... --targets 0.5 --seeds 0 --criteria l1
    python bench/wafer_pruning.py --base ... --targets --control 0   # the control alone
    python bench/wafer_pruning.py --base ... --probe     # criteria, before fine-tuning
    python bench/wafer_pruning.py --base <a --set backbone=resnet18 run's best.keras> \
        --output bench/results/wafer_pruning_resnet18.json   # the second family

Every pruned run takes the base model, removes ``target`` of its multiply-accumulates by
whole channels (``tfdefect.compression.ChannelPruner``, ``--criteria``) and fine-tunes it
with the wafer recipe's own ``prune_and_fine_tune`` (the recipe's ``prune.*`` defaults:
4 epochs at 0.3x the learning rate, recall-first loss and callbacks, best epoch on
validation macro recall); ``--seeds`` are fine-tuning seeds (shuffle, augmentation). The
unpruned base model is measured in the same run, as the reference; ``--control SEED``
adds the unpruned model fine-tuned the same way, which tells what the pruning costs apart
from what the extra epochs give.

Per model: parameters, MACs per image, file sizes (float ONNX, INT8 ONNX, float TFLite,
INT8 TFLite), batch-1 latency (median of ``--repeats`` calls, each runtime timed alone, in
a fresh process per thread count) in onnxruntime and TFLite, float and INT8, on 1 and 2
threads; test-split macro recall and lowest class recall of the Keras model and of both
INT8 models. Prints the table, the ratios against the unpruned model, and writes
``bench_results/wafer_pruning.json``; finished runs found there are kept (an interrupted
bench resumes). ``--retime`` times the files of every finished run again in one process
per thread count, the models taking turns, so the latency ratios are measured side by
side. The data is the recipe's default wafer_sem build at the base model's side.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import subprocess
import sys

RESULTS = os.path.join("bench_results", "wafer_pruning.json")
CONTROL = "unpruned_fine_tuned"  # the criterion name of the control rows
RUNTIMES = ("onnx_float", "onnx_int8", "tflite_float", "tflite_int8")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--base", help="the trained wafer recipe's best.keras")
    parser.add_argument("--targets", type=float, nargs="*", default=[0.3, 0.5, 0.7])
    parser.add_argument("--seeds", type=int, nargs="*", default=[0, 1])
    parser.add_argument("--criteria", nargs="+", default=["bn_scale"], choices=["l1", "bn_scale"])
    parser.add_argument(
        "--control",
        type=int,
        nargs="*",
        default=[],
        help="seeds of a control run: the unpruned model fine-tuned like the pruned ones",
    )
    parser.add_argument("--epochs", type=int, default=4, help="fine-tuning epochs")
    parser.add_argument(
        "--epoch-steps", type=int, help="fine-tuning steps per epoch (default: one pass)"
    )
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=100)
    parser.add_argument("--workdir", default=os.path.join("bench_results", "wafer_pruning"))
    parser.add_argument("--output", default=RESULTS)
    parser.add_argument("--fresh", action="store_true", help="ignore finished runs in --output")
    parser.add_argument(
        "--probe",
        action="store_true",
        help="compare the criteria: validation recall right after pruning, no fine-tuning",
    )
    parser.add_argument(
        "--retime",
        action="store_true",
        help="time the files of the finished runs in --output again, side by side",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)  # files JSON: time, print JSON
    return parser.parse_args(argv)


def recipe_config(args, side: int, criterion: str, target: float, seed: int):
    """The wafer recipe's default config with this run's pruning settings."""
    from tfdefect.recipes.prune_config import PruneConfig
    from tfdefect.recipes.wafer_mobilenet import WaferMobilenetConfig

    config = WaferMobilenetConfig(seed=seed, workdir=run_folder(args, criterion, target, seed))
    config.data = dataclasses.replace(config.data, image_size=side)
    config.train = dataclasses.replace(
        config.train, tensorboard=False, steps_per_epoch=args.epoch_steps
    )
    config.prune = PruneConfig(
        target=target, criterion="l1" if criterion == CONTROL else criterion, epochs=args.epochs
    )
    config.prune.check()
    return config


def load_splits(config):
    from tfdefect.recipes.wafer_mobilenet_steps import prepared_splits

    _, class_names, splits = prepared_splits(config)
    return class_names, splits


def convert_tflite_float(model, path: str) -> str:
    """Float TFLite file of ``model`` (the latency reference of the INT8 file)."""
    from tfdefect.quantization.tflite_int8 import frozen_converter

    with open(path, "wb") as handle:
        handle.write(frozen_converter(model).convert())
    return path


def file_paths(folder: str) -> dict:
    """{runtime: path} of one model's four files in ``folder``."""
    return {
        name: os.path.join(folder, name + (".onnx" if "onnx" in name else ".tflite"))
        for name in RUNTIMES
    }


def run_folder(args, criterion: str, target: float, seed: int) -> str:
    return os.path.join(args.workdir, f"{criterion}_{target:.2f}_seed{seed}")


def export_files(model, splits, folder: str) -> dict:
    """Float and INT8 ONNX and TFLite files of ``model`` in ``folder``."""
    from tfdefect.export import export_onnx
    from tfdefect.quantization import convert_tflite_int8, quantize_onnx_int8

    os.makedirs(folder, exist_ok=True)
    calibration = splits["train"][0][:200]  # the recipe's calibration_images
    paths = file_paths(folder)
    export_onnx(model, paths["onnx_float"], sample_images=splits["test"][0][:2])
    quantize_onnx_int8(paths["onnx_float"], calibration, paths["onnx_int8"])
    convert_tflite_float(model, paths["tflite_float"])
    convert_tflite_int8(model, calibration, paths["tflite_int8"])
    return paths


def recall_figures(model, splits, class_names, paths) -> dict:
    """{runtime: {"macro_recall", "lowest_class_recall", "lowest_class"}} on the test split
    for the Keras model and both INT8 files."""
    import numpy as np

    from tfdefect.evaluation.classification import classification_figures
    from tfdefect.recipes.wafer_mobilenet_steps import runtime_figures

    images, labels = splits["test"]
    probabilities = np.asarray(model.predict(images.astype("float32"), verbose=0))
    figures = {"keras": classification_figures(labels, probabilities, class_names)}
    figures.update(runtime_figures(splits["test"], class_names, paths, probabilities))
    result = {}
    for runtime in ("keras", "onnx_int8", "tflite_int8"):
        per_class = figures[runtime]["per_class"]
        lowest = min(per_class, key=lambda name: per_class[name]["recall"])
        result[runtime] = {
            "macro_recall": figures[runtime]["macro_recall"],
            "lowest_class_recall": per_class[lowest]["recall"],
            "lowest_class": lowest,
        }
    return result


def runtime_calls(paths: dict, threads: int) -> dict:
    """{runtime: a batch-1 call of that file} with ``threads`` threads."""
    import numpy as np
    import onnxruntime as ort

    from tfdefect.quantization import TfliteClassifier
    from tfdefect.quantization.tflite_interpreter import tflite_interpreter

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    calls = {}
    for name in ("onnx_float", "onnx_int8"):
        session = ort.InferenceSession(paths[name], options, providers=["CPUExecutionProvider"])
        side = session.get_inputs()[0].shape[1]
        image = np.random.default_rng(0).integers(0, 256, (1, side, side, 1), dtype=np.uint8)
        calls[name] = lambda s=session, x=image: s.run(None, {"images": x})
    tflite_int8 = TfliteClassifier(paths["tflite_int8"], num_threads=threads)
    calls["tflite_int8"] = lambda: tflite_int8.predict_one(image[0])
    tflite_float = tflite_interpreter(paths["tflite_float"], threads)
    tflite_float.allocate_tensors()
    index = tflite_float.get_input_details()[0]["index"]
    floats = image.astype(np.float32)

    def run_float():
        tflite_float.set_tensor(index, floats)
        tflite_float.invoke()

    calls["tflite_float"] = run_float
    return calls


def time_runtimes(path_sets: list, threads: int, repeats: int) -> list:
    """Median ms per image at batch 1 of each runtime of each model in ``path_sets`` with
    ``threads`` threads (run in a fresh process: TensorFlow fixes its thread pools at
    start-up). The models of one runtime take turns in blocks of 10 calls, ``repeats``
    calls each, so machine noise hits them alike; one runtime at a time (onnxruntime's
    threads spin after a run and would slow another runtime's next call)."""
    import statistics
    import time

    calls = [runtime_calls(paths, threads) for paths in path_sets]
    result = [{} for _ in path_sets]
    block = 10
    for name in RUNTIMES:
        times = [[] for _ in path_sets]
        for model_calls in calls:
            model_calls[name]()  # warm-up
        for _ in range(max(1, repeats // block)):
            for index, model_calls in enumerate(calls):
                for _ in range(block):
                    started = time.perf_counter()
                    model_calls[name]()
                    times[index].append(time.perf_counter() - started)
        for index in range(len(path_sets)):
            result[index][name] = 1000 * statistics.median(times[index])
    return result


def latencies(path_sets: list, args) -> list:
    """[{threads: {runtime: ms}}] per model, one worker process per thread count."""
    result = [{} for _ in path_sets]
    for threads in args.threads:
        command = [sys.executable, __file__, "--base", "-", "--worker", json.dumps(path_sets)]
        command += ["--threads", str(threads), "--repeats", str(args.repeats)]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(done.stderr[-3000:])
        timed = json.loads(done.stdout.strip().splitlines()[-1])
        for index, figures in enumerate(timed):
            result[index][str(threads)] = figures
    return result


def run_files(args, row) -> dict:
    """{runtime: path} of a finished run's files (rows written before "files" was kept)."""
    if "files" in row:
        return row["files"]
    folder = run_folder(args, row["criterion"], row["target"], row["seed"])
    return file_paths(os.path.join(folder, "files"))


def retime(args) -> None:
    """Time every finished run's files again in one worker per thread count, the models
    taking turns (latency ratios measured side by side), and rewrite the table."""
    from tfdefect.bench.machine import describe_machine
    from tfdefect.bench.report import write_bench_json

    with open(args.output) as handle:
        previous = json.load(handle)
    rows = previous["runs"]
    for row in rows:
        row["files"] = run_files(args, row)
    timed = latencies([row["files"] for row in rows], args)
    for row, figures in zip(rows, timed, strict=True):
        row["latency_ms"] = figures
    settings = {**previous["settings"], "repeats": args.repeats, "timing": "side by side"}
    table = summary_table(rows, args.threads)
    print(table, flush=True)
    results = {"settings": settings, "runs": rows, "table": table}
    write_bench_json(args.output, describe_machine(), results)
    print(f"wrote {args.output}")


def measure(model, report, splits, class_names, folder, args) -> dict:
    """Every figure of one model (pruned or not)."""
    from tfdefect.compression import ChannelGraph

    paths = export_files(model, splits, os.path.join(folder, "files"))
    return {
        "params": int(model.count_params()),
        "macs": int(ChannelGraph(model).macs()),
        "macs_removed": report["macs_removed"] if report else 0.0,
        "sizes_mb": {name: os.path.getsize(path) / 2**20 for name, path in paths.items()},
        "recall": recall_figures(model, splits, class_names, paths),
        "files": paths,
        "latency_ms": latencies([paths], args)[0],
    }


def row_line(row) -> str:
    recall, latency = row["recall"], row["latency_ms"]
    one = latency[min(latency, key=int)]
    return (
        f"{row['criterion']:<8} target {row['target']:.2f} seed {row['seed']}: MACs "
        f"{row['macs'] / 1e6:.1f}M ({row['macs_removed']:.1%} gone), params "
        f"{row['params']:,}, macro recall {recall['keras']['macro_recall']:.3f} (lowest "
        f"{recall['keras']['lowest_class']} {recall['keras']['lowest_class_recall']:.3f}), "
        f"1-thread ms: ORT INT8 {one['onnx_int8']:.2f}, TFLite INT8 {one['tflite_int8']:.2f}"
    )


def label(criterion, target, own) -> str:
    if criterion == CONTROL:
        return "none, fine-tuned as the pruned"
    if target == 0:
        return "none"
    return f"{sum(r['macs_removed'] for r in own) / len(own):.0%} {criterion}"


def summary_table(rows, threads) -> str:
    """Markdown: one line per (criterion, target), mean [min-max] over seeds, and the
    ratios against the unpruned model (recall difference in points, latency speed-up)."""
    from tfdefect.bench.report import mean_min_max

    base = next(r for r in rows if (r["criterion"], r["target"]) == ("l1", 0))
    keys = sorted({(r["criterion"], r["target"]) for r in rows}, key=lambda k: (k[1], k[0]))
    head = "| pruned | runs | MACs (M) | params | ONNX MB float / INT8 | TFLite MB float / INT8 "
    head += "| macro recall | lowest class recall | INT8 macro recall ORT / TFLite "
    head += "".join(f"| {t} thr ms ORT f / i8, TFLite f / i8 " for t in threads)
    head += "| INT8 speed-up vs unpruned ORT / TFLite (1 thr) |\n"
    lines = [head + "|---" * (10 + len(threads)) + "|\n"]

    def mean(values):
        return sum(values) / len(values)

    for criterion, target in keys:
        own = [r for r in rows if (r["criterion"], r["target"]) == (criterion, target)]
        recall = mean_min_max([r["recall"]["keras"]["macro_recall"] for r in own])
        lowest = mean_min_max([r["recall"]["keras"]["lowest_class_recall"] for r in own])
        cells = [
            label(criterion, target, own),
            str(len(own)),
            f"{mean([r['macs'] for r in own]) / 1e6:.1f}",
            f"{mean([r['params'] for r in own]):,.0f}",
            " / ".join(
                f"{mean([r['sizes_mb'][k] for r in own]):.2f}" for k in ("onnx_float", "onnx_int8")
            ),
            " / ".join(
                f"{mean([r['sizes_mb'][k] for r in own]):.2f}"
                for k in ("tflite_float", "tflite_int8")
            ),
            f"{recall['mean']:.3f} [{recall['min']:.3f}-{recall['max']:.3f}] "
            f"({100 * (recall['mean'] - base['recall']['keras']['macro_recall']):+.1f} pt)",
            f"{lowest['mean']:.3f} [{lowest['min']:.3f}-{lowest['max']:.3f}]",
            " / ".join(
                f"{mean([r['recall'][k]['macro_recall'] for r in own]):.3f}"
                for k in ("onnx_int8", "tflite_int8")
            ),
        ]
        for t in threads:
            cells.append(
                " / ".join(
                    f"{mean([r['latency_ms'][str(t)][k] for r in own]):.2f}" for k in RUNTIMES
                )
            )
        one = str(min(threads))
        cells.append(
            " / ".join(
                f"{base['latency_ms'][one][k] / mean([r['latency_ms'][one][k] for r in own]):.2f}x"
                for k in ("onnx_int8", "tflite_int8")
            )
        )
        lines.append("| " + " | ".join(cells) + " |\n")
    return "".join(lines)


def probe(args, base, splits, class_names) -> None:
    """Validation macro recall of the base model pruned by each criterion to each target,
    before any fine-tuning: which ranking keeps more of what the model knows."""
    import numpy as np

    from tfdefect.compression import ChannelPruner
    from tfdefect.evaluation.classification import classification_figures

    images, labels = splits["validation"]
    print("| criterion | MACs removed | validation macro recall, no fine-tuning |\n|---|---|---|")
    for criterion in ("l1", "bn_scale"):
        for target in [0.0, *args.targets]:
            model, report = ChannelPruner(criterion).prune(base, target)
            probabilities = np.asarray(model.predict(images.astype("float32"), verbose=0))
            recall = classification_figures(labels, probabilities, class_names)["macro_recall"]
            print(f"| {criterion} | {report.macs_removed:.1%} | {recall:.3f} |", flush=True)


def main(argv=None):
    args = parse_args(argv)
    if args.worker:
        path_sets = json.loads(args.worker)
        single = isinstance(path_sets, dict)
        timed = time_runtimes([path_sets] if single else path_sets, args.threads[0], args.repeats)
        print(json.dumps(timed[0] if single else timed))
        return
    if args.retime:
        retime(args)
        return
    import keras

    import tfdefect.models  # noqa: F401  (custom classes of the .keras file)
    from tfdefect.bench.machine import describe_machine
    from tfdefect.bench.report import finished_runs, write_bench_json
    from tfdefect.recipes.wafer_mobilenet_steps import prune_and_fine_tune

    if not args.base or not os.path.isfile(args.base):
        raise SystemExit(
            f"--base {args.base}: no such file (train: python -m recipes.wafer_mobilenet)"
        )
    machine = describe_machine()
    settings = {
        "base": os.path.abspath(args.base),
        "epochs": args.epochs,
        "epoch_steps": args.epoch_steps,
        "threads": args.threads,
        "repeats": args.repeats,
    }
    print(f"machine: {machine}\nsettings: {settings}", flush=True)
    rows = [] if args.fresh else finished_runs(args.output, settings)
    done = {(r["criterion"], r["target"], r["seed"]) for r in rows}
    base = keras.saving.load_model(args.base, compile=False)
    side = base.input_shape[1]
    class_names, splits = load_splits(recipe_config(args, side, "l1", 0.0, 0))
    if args.probe:
        probe(args, base, splits, class_names)
        return
    print(f"test split: {len(splits['test'][1])} images at {side} px", flush=True)
    plan = [("l1", 0.0, 0)] + [(CONTROL, 0.0, s) for s in args.control]
    plan += [(c, t, s) for c in args.criteria for t in args.targets for s in args.seeds]
    for criterion, target, seed in plan:
        if (criterion, target, seed) in done:
            continue
        config = recipe_config(args, side, criterion, target, seed)
        if os.path.isdir(config.workdir):
            shutil.rmtree(config.workdir)  # an unfinished run of this bench
        report, model = None, base
        if target > 0 or criterion == CONTROL:
            model, _, reports, seconds = prune_and_fine_tune(
                config, base, splits, class_names, config.workdir
            )
            report = {**reports[-1], "fine_tune_seconds": round(seconds, 1)}
        row = {"criterion": criterion, "target": target, "seed": seed, "pruning": report}
        row.update(measure(model, report, splits, class_names, config.workdir, args))
        rows.append(row)
        print(row_line(row), flush=True)
        write_bench_json(args.output, machine, {"settings": settings, "runs": rows})
    table = summary_table(rows, args.threads)
    print(table, flush=True)
    write_bench_json(args.output, machine, {"settings": settings, "runs": rows, "table": table})
    print(f"wrote {args.output}")


if __name__ == "__main__":
    from tfdefect.console import console_logging

    with console_logging():
        main()
