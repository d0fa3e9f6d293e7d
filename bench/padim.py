"""PaDiM speed and memory: streaming Gaussian fit vs stacking all embeddings (the
reference implementation's way), and inference ms/image in Keras, SavedModel, onnxruntime.

    python bench/padim.py                            # EfficientNet-B0, 224 px
    python bench/padim.py --backbone resnet18 --images 64 256

Fit memory is the peak of numpy allocations (tracemalloc) while turning embeddings into
the per-patch mean and inverse covariance; the embeddings are computed once and fed to
both methods, so the ratio compares only the statistics.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import tracemalloc

import numpy as np


def boards(count, size, seed=0):
    from tfdefect.data.synthetic.pcb import PcbSynthesisConfig, make_design, render_board

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


def bench_inference(model, size, batches, repeats, workdir):
    import onnxruntime as ort
    import tensorflow as tf

    from tfdefect.bench.timing import interleaved_median_seconds
    from tfdefect.export import export_onnx, export_savedmodel

    saved = export_savedmodel(model, os.path.join(workdir, "padim"), 1, write_models_config=False)
    onnx_path = os.path.join(workdir, "padim.onnx")
    sample = boards(2, size, seed=1)
    difference = export_onnx(model, onnx_path, sample_images=sample)
    serving = tf.saved_model.load(saved).signatures["serving_default"]
    session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    for batch in batches:
        images = boards(batch, size, seed=2)
        tensor = tf.constant(images)
        seconds = interleaved_median_seconds(
            {
                "keras": lambda images=images: model.predict_on_batch(images),
                "savedmodel": lambda tensor=tensor: serving(images=tensor),
                "onnxruntime": lambda images=images: session.run(None, {"images": images}),
            },
            repeats,
        )
        print(f"\ninference batch {batch} (median of {repeats}), ONNX max |diff| {difference:.1e}")
        for runtime, value in seconds.items():
            print(
                f"  {runtime:<12} {1000 * value / batch:7.1f} ms/image  "
                f"ratio vs keras {seconds['keras'] / value:.2f}"
            )


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backbone", default="efficientnetb0")
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--images", type=int, nargs="+", default=[64, 256, 1024])
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--inference-batches", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args(argv)

    import keras

    from tfdefect.bench.machine import describe_machine
    from tfdefect.models.padim import Padim

    print("machine:", describe_machine())
    keras.utils.set_random_seed(0)
    model = Padim(args.backbone, (args.size, args.size, 3))
    print(
        f"PaDiM {args.backbone} {args.size} px: {model.grid[0] * model.grid[1]} patches x "
        f"{model.embedding_dims} dims (random weights)"
    )
    bench_fit(model, args.images, args.size, args.batch)
    model.fit_gaussian(
        [boards(args.batch, args.size, seed=3)], verbose=False
    )  # a fitted Gaussian for the export
    with tempfile.TemporaryDirectory() as workdir:
        bench_inference(model, args.size, args.inference_batches, args.repeats, workdir)


if __name__ == "__main__":
    main()
