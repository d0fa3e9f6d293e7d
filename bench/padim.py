"""PaDiM speed and memory: streaming Gaussian fit vs stacking all embeddings (the
reference implementation's way), and inference ms/image in Keras, SavedModel, onnxruntime.

    python bench/padim.py                            # EfficientNet-B0, 224 px
    python bench/padim.py --backbone resnet18 --images 64 256
    python bench/padim.py --backbone resnet18 --skip-fit --anomalib-python ~/anomalib/bin/python

Inference runs through ``open_runtime`` (what ``tfdefect predict`` uses) at batch 1 and 32;
with ``--anomalib-python`` anomalib's PaDiM (an environment of its own: torch and
tensorflow are never installed together) is timed in the same run on the same threads.
Goal: batch 1 at least 2x anomalib's batch 1.

Fit memory is the peak of numpy allocations (tracemalloc) while turning embeddings into
the per-patch mean and inverse covariance; the embeddings are computed once and fed to
both methods, so the ratio compares only the statistics.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
import tracemalloc

import numpy as np


def boards(count, size, seed=0):
    from tfdefect.datasets.pcb_anomaly.synthetic import (
        PcbSynthesisConfig,
        make_design,
        render_board,
    )

    config = PcbSynthesisConfig(image_size=size)
    design = make_design(config)
    return np.stack(
        [
            render_board(np.random.default_rng([seed, i]), design, None, config)[0]
            for i in range(count)
        ]
    )


def stacked_statistics(embeddings, epsilon=0.01):
    """The reference code's way: keep every embedding, then np.cov per patch."""
    stacked = np.concatenate(embeddings).astype(np.float64)  # (N, P, d)
    mean = stacked.mean(axis=0)
    dims = stacked.shape[-1]
    precision = np.empty((stacked.shape[1], dims, dims))
    for p in range(stacked.shape[1]):
        covariance = np.cov(stacked[:, p, :], rowvar=False) + epsilon * np.eye(dims)
        precision[p] = np.linalg.inv(covariance)
    return mean, precision


def streamed_statistics(embeddings, epsilon=0.01):
    from tfdefect.models.padim import PatchGaussianAccumulator

    accumulator = PatchGaussianAccumulator(embeddings[0].shape[1], embeddings[0].shape[2])
    for batch in embeddings:
        accumulator.update(batch)
    return accumulator.mean(), accumulator.precision(epsilon, dtype=np.float64)


def measure(function, embeddings):
    tracemalloc.start()
    started = time.perf_counter()
    result = function(embeddings)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return result, seconds, peak / 2**20


def bench_fit(model, counts, size, batch):
    import tensorflow as tf

    embed = tf.function(model.embed)
    figures = {}
    for count in counts:
        images = boards(count, size)
        started = time.perf_counter()
        embeddings = [embed(images[i : i + batch]).numpy() for i in range(0, count, batch)]
        embed_seconds = time.perf_counter() - started
        (mean_s, prec_s), stream_s, stream_mb = measure(streamed_statistics, embeddings)
        (mean_r, prec_r), ref_s, ref_mb = measure(stacked_statistics, embeddings)
        agree = np.max(np.abs(prec_s - prec_r)) / np.max(np.abs(prec_r))
        print(
            f"\nfit on {count} images: features {count / embed_seconds:.1f} images/s; "
            f"statistics streamed {stream_s:.1f} s, {stream_mb:.0f} MiB peak | stacked "
            f"(reference) {ref_s:.1f} s, {ref_mb:.0f} MiB peak | memory ratio "
            f"{ref_mb / stream_mb:.2f}x, time ratio {ref_s / stream_s:.2f}x; "
            f"max relative difference of the precision matrices {agree:.1e}"
        )
        figures[str(count)] = {
            "streamed": {"seconds": stream_s, "peak_mib": stream_mb},
            "stacked": {"seconds": ref_s, "peak_mib": ref_mb},
            "relative_difference": float(agree),
        }
    return figures


def bench_inference(model, size, batches, repeats, workdir):
    """images/s of the runtimes ``tfdefect predict`` uses (a .keras file, the SavedModel,
    the ONNX file, each through ``open_runtime``) and of the bare feature extractor."""
    import tensorflow as tf

    from tfdefect.bench.timing import separate_median_seconds
    from tfdefect.export import export_onnx, export_savedmodel
    from tfdefect.inference.runtimes import open_runtime

    keras_path = os.path.join(workdir, "padim.keras")
    model.save(keras_path)
    saved = export_savedmodel(model, os.path.join(workdir, "padim"), 1, write_models_config=False)
    onnx_path = os.path.join(workdir, "padim.onnx")
    difference = export_onnx(model, onnx_path, sample_images=boards(2, size, seed=1))
    runtimes = {
        "keras": open_runtime(keras_path),
        "savedmodel": open_runtime(saved),
        "onnxruntime": open_runtime(onnx_path),
    }
    extractor = tf.function(lambda x: model.extractor(tf.cast(x, tf.float32)))
    print(
        f"\ninference through open_runtime (median of {repeats}), ONNX max |diff| {difference:.1e}"
    )
    rates = {}
    for batch in batches:
        images = boards(batch, size, seed=2)
        calls = {name: lambda r=r, i=images: r({"images": i}) for name, r in runtimes.items()}
        calls["feature extractor alone"] = lambda i=images: extractor(tf.constant(i))
        for name, seconds in separate_median_seconds(calls, repeats).items():
            rates[f"{name} b{batch}"] = batch / seconds
        bare = rates[f"feature extractor alone b{batch}"]
        for name in calls:
            rate = rates[f"{name} b{batch}"]
            print(
                f"  batch {batch:>2} {name:<24} {rate:7.1f} images/s ({rate / bare:5.1%} of bare)"
            )
    return rates


def anomalib_rates(python, backbone, size, batches, threads):
    """anomalib's PaDiM images/s, measured by ``anomalib_padim_worker.py`` under ``python``."""
    worker = os.path.join(os.path.dirname(os.path.abspath(__file__)), "anomalib_padim_worker.py")
    command = [python, worker, "--backbone", backbone, "--size", str(size)]
    command += ["--threads", str(threads), "--batches", *map(str, batches)]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"anomalib worker failed: {result.stderr.strip().splitlines()[-1]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def table(payload: dict) -> str:
    """Markdown: inference images/s per batch and runtime (anomalib's beside them when
    timed), then the fit's statistics time and memory (when measured)."""
    from tfdefect.bench.report import markdown_table

    results = payload["padim"]
    rates, theirs = results["images_per_s"], results.get("anomalib")
    runtimes = ("keras", "savedmodel", "onnxruntime")
    header = ["batch", *(["anomalib"] if theirs else [])]
    header += ["Keras", "SavedModel", "onnxruntime", "feature extractor alone (Keras)"]
    rows = []
    for batch in payload["settings"]["inference_batches"]:
        other = theirs["images_per_s"][str(batch)] if theirs else None
        row = [batch, *([f"{other:.1f}"] if theirs else [])]
        for runtime in runtimes:
            rate = rates[f"{runtime} b{batch}"]
            row.append(f"{rate:.1f} ({rate / other:.2f}x)" if theirs else f"{rate:.1f}")
        row.append(f"{rates[f'feature extractor alone b{batch}']:.1f}")
        rows.append(row)
    text = "Inference, images/s:\n\n" + markdown_table(header, rows)
    fit = results.get("fit")
    if fit:
        counts = list(fit)
        rows = [
            [label]
            + [
                f"{fit[c][kind]['seconds']:.1f} s, {fit[c][kind]['peak_mib']:.0f} MiB"
                for c in counts
            ]
            for kind, label in (("streamed", "streamed statistics"), ("stacked", "stacked"))
        ]
        header = ["fit: time, peak numpy memory", *[f"{c} images" for c in counts]]
        text += "\n\n" + markdown_table(header, rows)
    return text


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backbone", default="efficientnetb0")
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--images", type=int, nargs="+", default=[64, 256, 1024])
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--inference-batches", type=int, nargs="+", default=[1, 32])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument(
        "--anomalib-python",
        help="Python of an environment with anomalib: time its PaDiM in the same run",
    )
    parser.add_argument("--skip-fit", action="store_true", help="inference figures only")
    parser.add_argument("--json", default="bench_results/padim.json")
    args = parser.parse_args(argv)

    import keras

    from tfdefect.bench.machine import describe_machine
    from tfdefect.bench.report import write_bench_json
    from tfdefect.models.padim import Padim

    machine = describe_machine()
    print("machine:", machine)
    keras.utils.set_random_seed(0)
    model = Padim(args.backbone, (args.size, args.size, 3))
    print(
        f"PaDiM {args.backbone} {args.size} px: {model.grid[0] * model.grid[1]} patches x "
        f"{model.embedding_dims} dims (random weights)"
    )
    fit = None if args.skip_fit else bench_fit(model, args.images, args.size, args.batch)
    model.fit_gaussian(
        [boards(args.batch, args.size, seed=3)], verbose=False
    )  # a fitted Gaussian for the export
    with tempfile.TemporaryDirectory() as workdir:
        rates = bench_inference(model, args.size, args.inference_batches, args.repeats, workdir)
    results = {"backbone": args.backbone, "size": args.size, "images_per_s": rates, "fit": fit}
    if args.anomalib_python:
        threads = len(os.sched_getaffinity(0))
        theirs = anomalib_rates(
            args.anomalib_python, args.backbone, args.size, args.inference_batches, threads
        )
        results["anomalib"] = theirs
        print(
            f"\nanomalib {theirs['anomalib']} (torch {theirs['torch']}, {threads} threads), "
            "same machine, same run:"
        )
        for batch in args.inference_batches:
            other = theirs["images_per_s"][str(batch)]
            best = max(rates[f"{r} b{batch}"] for r in ("keras", "savedmodel", "onnxruntime"))
            print(
                f"  batch {batch:>2}: anomalib {other:6.1f} images/s; tfdefect best runtime "
                f"{best:6.1f} ({best / other:.2f}x); keras {rates[f'keras b{batch}'] / other:.2f}x"
            )
    settings = {k: v for k, v in vars(args).items() if k != "anomalib_python"}
    payload = {"settings": settings, "padim": results}
    write_bench_json(args.json, machine, {**payload, "table": table(payload)})
    print(f"\nwrote {args.json}")


if __name__ == "__main__":
    from tfdefect.console import console_logging

    with console_logging():
        main()
