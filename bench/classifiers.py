"""Transfer-learning zoo speed: for every architecture, parameters, FLOPs and ms/image at
batch 1 and 32 in Keras, SavedModel and onnxruntime, side by side in one run.

    python bench/classifiers.py                       # all eight, 224 px
    python bench/classifiers.py --size 128 --models resnet18 vit --repeats 5

Target (issues 6, 16): onnxruntime at least as fast as Keras (a compiled call, as
``tfdefect predict`` makes) at batch 1 and 32 for every architecture; the last column says
where it is not. Random weights (speed does not depend on them). Each
architecture runs in its own process.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np


def count_flops(model, size: int) -> float:
    """Floating-point operations of one (1, size, size, 3) forward pass (TF profiler on the
    frozen graph; multiply-adds count as two)."""
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2,
    )

    function = tf.function(lambda x: model(x, training=False))
    concrete = function.get_concrete_function(tf.TensorSpec([1, size, size, 3], tf.float32))
    frozen = convert_variables_to_constants_v2(concrete)
    options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    options["output"] = "none"
    profile = tf.compat.v1.profiler.profile(frozen.graph, options=options)
    return float(profile.total_float_ops)


def bench_one(architecture, size, batches, repeats, workdir):
    import keras
    import onnxruntime as ort
    import tensorflow as tf

    from tfdefect.bench.timing import separate_median_seconds
    from tfdefect.export import export_onnx, export_savedmodel
    from tfdefect.models.classifiers import ImageClassifier

    keras.utils.set_random_seed(0)
    model = ImageClassifier(architecture, image_shape=(size, size, 3))
    flops = count_flops(model, size)
    rng = np.random.default_rng(0)
    sample = rng.integers(0, 256, (2, size, size, 3), np.uint8)
    saved = export_savedmodel(
        model, os.path.join(workdir, architecture), 1, write_models_config=False
    )
    onnx_path = os.path.join(workdir, f"{architecture}.onnx")
    difference = export_onnx(model, onnx_path, sample_images=sample)
    serving = tf.saved_model.load(saved).signatures["serving_default"]
    session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    keras_call = tf.function(lambda x: model(x, training=False))  # compiled, as predict uses
    row = {
        "model": architecture,
        "parameters": model.count_params(),
        "gflops": flops / 1e9,
        "onnx_diff": difference,
    }
    for batch in batches:
        images = rng.integers(0, 256, (batch, size, size, 3), np.uint8)
        floats, tensor = tf.constant(images.astype("float32")), tf.constant(images)
        calls = {
            "keras": lambda f=floats: keras_call(f),
            "savedmodel": lambda t=tensor: serving(images=t),
            "onnxruntime": lambda i=images: session.run(None, {"images": i}),
        }
        for runtime, value in separate_median_seconds(calls, repeats).items():
            row[f"{runtime}_b{batch}"] = 1000 * value / batch
    return row


def table(results: dict) -> str:
    """Markdown: ms/image per runtime and batch for each classifier, and ORT's speed-up."""
    from tfdefect.bench.names import CLASSIFIER_NAMES
    from tfdefect.bench.report import markdown_table

    keys = {key for row in results["classifiers"] for key in row}
    batches = sorted(int(k[len("keras_b") :]) for k in keys if k.startswith("keras_b"))
    header = ["model", "params", "GFLOPs"]
    for batch in batches:
        header += [f"Keras b{batch}", f"SavedModel b{batch}", f"ORT b{batch}"]
    rows = []
    for row in results["classifiers"]:
        name = CLASSIFIER_NAMES.get(row["model"], row["model"])
        if "error" in row:
            rows.append([name, "failed: " + row["error"], *[""] * (len(header) - 1)])
            continue
        cells = [name, f"{row['parameters']:,}", f"{row['gflops']:.2f}"]
        ratios = []
        for batch in batches:
            keras_ms, saved_ms, ort_ms = (
                row[f"{r}_b{batch}"] for r in ("keras", "savedmodel", "onnxruntime")
            )
            cells += [f"{keras_ms:.2f}", f"{saved_ms:.2f}", f"{ort_ms:.2f}"]
            ratios.append(f"b{batch} {keras_ms / ort_ms:.2f}x")
        rows.append([*cells, ", ".join(ratios)])
    return markdown_table([*header, "ORT vs Keras"], rows)


def main(argv=None):
    from tfdefect.recipes.casting_zoo import ALL_MODELS

    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--models", nargs="+", default=[*ALL_MODELS, "mobilenetv2"])
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 32])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--json", default="bench_results/classifiers.json")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:  # one architecture, JSON row on stdout
        with tempfile.TemporaryDirectory() as workdir:
            row = bench_one(args.models[0], args.size, args.batches, args.repeats, workdir)
        print(json.dumps(row))
        return

    from tfdefect.bench.machine import describe_machine
    from tfdefect.bench.report import write_bench_json

    machine = describe_machine()
    print("machine:", machine)
    rows = []
    print(f"input {args.size}x{args.size}x3, median of {args.repeats} interleaved calls, ms/image")
    header = f"{'model':<15}{'params':>12}{'GFLOPs':>8}"
    for batch in args.batches:
        header += (
            f"{'keras b' + str(batch):>12}{'saved b' + str(batch):>12}{'ort b' + str(batch):>10}"
        )
    print(header + "   onnxruntime vs keras", flush=True)
    for architecture in args.models:
        # a fresh process per model: tf2onnx's peak memory (~40x the weights) is freed
        command = [sys.executable, __file__, "--worker", "--models", architecture]
        command += ["--size", str(args.size), "--repeats", str(args.repeats), "--batches"]
        result = subprocess.run(
            command + [str(b) for b in args.batches], capture_output=True, text=True
        )
        if result.returncode != 0:
            tail = result.stderr.strip().splitlines()[-1]
            print(f"{architecture:<15} failed: {tail}", flush=True)
            rows.append({"model": architecture, "error": tail})
            continue
        row = json.loads(result.stdout.strip().splitlines()[-1])
        rows.append(row)
        line = f"{architecture:<15}{row['parameters']:>12,}{row['gflops']:>8.2f}"
        verdicts = []
        for batch in args.batches:
            keras_ms, saved_ms, ort_ms = (
                row[f"{r}_b{batch}"] for r in ("keras", "savedmodel", "onnxruntime")
            )
            line += f"{keras_ms:>12.2f}{saved_ms:>12.2f}{ort_ms:>10.2f}"
            ratio = keras_ms / ort_ms
            verdicts.append(f"b{batch} {ratio:.2f}x" + ("" if ratio >= 1 else " SLOWER"))
        print(line + "   " + ", ".join(verdicts), flush=True)
    settings = {k: v for k, v in vars(args).items() if k != "worker"}
    payload = {"settings": settings, "size": args.size, "classifiers": rows}
    write_bench_json(args.json, machine, {**payload, "table": table(payload)})
    print(f"wrote {args.json}")


if __name__ == "__main__":
    from tfdefect.console import console_logging

    with console_logging():
        main()
