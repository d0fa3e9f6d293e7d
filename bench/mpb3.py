"""MPB3 speed: ms per pair at batch 1 and pairs/s at batch 32 for Keras, SavedModel and
onnxruntime, for the pair model (both branches per pair) and the cached-reference model
(gold reference embedded once per position, only the test branch per pair); tf.data
pairs/s of the MPWR training pipeline.

    python bench/mpb3.py                          # random weights, 64 px crops
    python bench/mpb3.py --checkpoint runs/mpb3_smt/checkpoints/best.keras

Goal: at most 10 ms per pair at batch 1 with the cached reference on 2 CPU
cores (the paper reports 9.6 ms on its GPU machine). Cost does not depend on the weights.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np


def line_pairs(count, size, seed=0):
    """Rendered pairs cycling over the six positions; returns (references per position,
    reference batch, test batch, position ids, position names, classes)."""
    from tfdefect.datasets.smt_pairs.synthetic import (
        DEFECT_CLASSES,
        POSITIONS,
        possible_defects,
        render_pair,
    )

    names = sorted(POSITIONS)
    rng = np.random.default_rng(seed)
    gold = np.stack([render_pair(rng, p, "ok", size)[0] for p in names])
    ids = np.arange(count) % len(names)
    classes, tests = [], []
    for i in ids:
        defect = rng.choice(possible_defects(names[i]))
        tests.append(render_pair(rng, names[i], defect, size)[1])
        classes.append(DEFECT_CLASSES.index(defect))
    return gold, gold[ids], np.stack(tests), ids.astype("int32"), names, np.array(classes)


def export_both(model, cached, sample, workdir):
    """SavedModel signatures and onnxruntime sessions of both models."""
    import onnxruntime as ort
    import tensorflow as tf

    from tfdefect.export import export_onnx, export_savedmodel

    runtimes = {}
    for name, keras_model, inputs in (
        ("pair", model, {"reference": sample["reference"], "test": sample["test"]}),
        ("cached", cached, {"test": sample["test"], "position_id": sample["position_id"]}),
    ):
        saved = export_savedmodel(
            keras_model, os.path.join(workdir, name), 1, write_models_config=False
        )
        onnx_path = os.path.join(workdir, f"{name}.onnx")
        difference = export_onnx(keras_model, onnx_path, sample_images=inputs)
        print(f"{name}: ONNX max |onnx - keras| {difference:.1e}")
        runtimes[name] = (
            keras_model,
            tf.saved_model.load(saved).signatures["serving_default"],
            ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"]),
        )
    return runtimes


def bench_inference(runtimes, sample, batches, repeats):
    import tensorflow as tf

    from tfdefect.bench.timing import separate_median_seconds

    timings = {}
    for batch in batches:
        feeds = {
            "pair": {k: sample[k][:batch] for k in ("reference", "test")},
            "cached": {k: sample[k][:batch] for k in ("test", "position_id")},
        }
        functions = {}
        for name, (keras_model, serving, session) in runtimes.items():
            feed = feeds[name]
            floats = {k: v.astype("float32") if v.dtype == np.uint8 else v for k, v in feed.items()}
            tensors = {k: tf.constant(v) for k, v in feed.items()}
            compiled = tf.function(lambda x, m=keras_model: m(x, training=False))
            constants = {k: tf.constant(v) for k, v in floats.items()}
            functions[f"{name} keras"] = lambda c=compiled, f=constants: c(f)
            functions[f"{name} savedmodel"] = lambda s=serving, t=tensors: s(**t)
            functions[f"{name} onnxruntime"] = lambda s=session, f=feed: s.run(None, f)
        seconds = separate_median_seconds(functions, repeats)
        print(f"\nbatch {batch} (median of {repeats} calls, Keras compiled)")
        for runtime in ("keras", "savedmodel", "onnxruntime"):
            pair, cached = seconds[f"pair {runtime}"], seconds[f"cached {runtime}"]
            print(
                f"  {runtime:<12} pair {1000 * pair / batch:6.2f} ms/pair "
                f"({batch / pair:6.0f} pairs/s) | cached reference {1000 * cached / batch:6.2f} "
                f"ms/pair ({batch / cached:6.0f} pairs/s) | speed-up {pair / cached:.2f}x"
            )
        timings[str(batch)] = {name: 1000 * value / batch for name, value in seconds.items()}
        best = min(seconds[f"cached {r}"] for r in ("keras", "savedmodel", "onnxruntime"))
        if batch == 1:
            verdict = "met" if 1000 * best <= 10 else "NOT met"
            print(f"  target <= 10 ms/pair at batch 1 with the cached reference: {verdict}")
    return timings


def bench_pipeline(sample, names, classes, batch, steps):
    import tensorflow as tf

    from tfdefect.data.mpwr import mpwr_weights
    from tfdefect.data.pair_pipeline import pair_pipeline

    count = len(sample["test"])
    examples = tf.data.Dataset.from_tensor_slices(
        {
            "reference": sample["reference"],
            "test": sample["test"],
            "position": np.array(names)[sample["position_id"]],
            "label": (classes > 0).astype("int64"),
            "defect_class": classes.astype("int64"),
        }
    )
    counts = {}
    for p, c in zip(sample["position_id"], classes, strict=True):
        counts[(int(p), int(c))] = counts.get((int(p), int(c)), 0) + 1
    dataset = pair_pipeline(examples, names, batch, weights=mpwr_weights(counts), seed=0)
    iterator = iter(dataset)
    for _ in range(5):
        next(iterator)  # fill the cache and the prefetch buffer
    started = time.perf_counter()
    for _ in range(steps):
        next(iterator)
    seconds = time.perf_counter() - started
    print(
        f"\ntf.data MPWR pipeline ({count} cached pairs, batch {batch}): "
        f"{steps * batch / seconds:.0f} pairs/s"
    )
    return steps * batch / seconds


def table(results: dict) -> str:
    """Markdown: ms/pair per batch and runtime, for the pair model and the cached reference."""
    from tfdefect.bench.report import markdown_table

    runtimes = ("keras", "savedmodel", "onnxruntime")
    rows = []
    for batch, timings in results["mpb3_ms_per_pair"].items():
        for kind, label in (("pair", "pair model"), ("cached", "cached reference")):
            cells = [f"{timings[f'{kind} {r}']:.2f}" for r in runtimes]
            ratio = timings[f"{kind} keras"] / timings[f"{kind} onnxruntime"]
            rows.append([batch, label, *cells, f"{ratio:.2f}x"])
    header = ["batch", "model", "Keras ms/pair", "SavedModel", "onnxruntime", "ORT vs Keras"]
    text = markdown_table(header, rows)
    if results.get("pipeline_pairs_per_s"):
        text += f"\n\ntf.data MPWR pipeline: {results['pipeline_pairs_per_s']:.0f} pairs/s"
    return text


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--checkpoint", help="a trained MPB3 .keras (default: random weights)")
    parser.add_argument("--size", type=int, default=64)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 32])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--pipeline-steps", type=int, default=200)
    parser.add_argument("--json", default="bench_results/mpb3.json")
    args = parser.parse_args(argv)

    import keras

    from tfdefect.bench.machine import describe_machine
    from tfdefect.bench.report import write_bench_json
    from tfdefect.models.mpb3 import MPB3, CachedReferenceMPB3

    machine = describe_machine()
    print("machine:", machine)
    keras.utils.set_random_seed(0)
    if args.checkpoint:
        model = keras.saving.load_model(args.checkpoint)
        args.size = model.image_shape[0]
    else:
        model = MPB3(image_shape=(args.size, args.size, 3))
    gold, references, tests, ids, names, classes = line_pairs(max(args.batches + [240]), args.size)
    cached = CachedReferenceMPB3.from_mpb3(model, gold)
    sample = {"reference": references, "test": tests, "position_id": ids}
    print(
        f"MPB3 ResNet18 {args.size} px: pair model {model.count_params():,} parameters; "
        f"cached reference of {len(names)} positions"
    )
    with tempfile.TemporaryDirectory() as workdir:
        runtimes = export_both(model, cached, sample, workdir)
        timings = bench_inference(runtimes, sample, args.batches, args.repeats)
    rate = bench_pipeline(sample, names, classes, 32, args.pipeline_steps)
    payload = {"settings": vars(args), "mpb3_ms_per_pair": timings, "pipeline_pairs_per_s": rate}
    write_bench_json(args.json, machine, {**payload, "table": table(payload)})
    print(f"wrote {args.json}")


if __name__ == "__main__":
    from tfdefect.console import console_logging

    with console_logging():
        main()
