"""Segmenter throughput: Keras vs SavedModel vs onnxruntime, and tf.data vs training.

    python bench/segmenters.py                      # U-Net (recipe settings), 224x224x6
    python bench/segmenters.py --models unet resnet50_fpn --batch 8 --repeats 10

Goals: onnxruntime at least as fast as Keras (ratio >= 1.0); the tf.data
pipeline at least 3x faster than training consumes images.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np


def bench_inference(name, size, batch, repeats, workdir):
    import onnxruntime as ort
    import tensorflow as tf

    from tfdefect.export import export_onnx, export_savedmodel
    from tfdefect.models.segmenters.postprocess import segmentation_outputs
    from tfdefect.registry import create_model

    model = create_model(name, image_shape=(size, size, 6))
    images = np.random.default_rng(0).integers(0, 256, (batch, size, size, 6)).astype(np.uint8)
    saved = export_savedmodel(
        model,
        os.path.join(workdir, name),
        1,
        postprocess=segmentation_outputs,
        write_models_config=False,
    )
    onnx_path = os.path.join(workdir, f"{name}.onnx")
    difference = export_onnx(
        model, onnx_path, sample_images=images[:2], postprocess=segmentation_outputs
    )
    serving = tf.saved_model.load(saved).signatures["serving_default"]
    session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    tensor = tf.constant(images)
    from tfdefect.bench.timing import separate_median_seconds

    keras_call = tf.function(lambda x: model(x, training=False))  # compiled, as predict uses
    floats = tf.constant(images.astype("float32"))
    calls = {
        "keras": lambda: keras_call(floats),
        "savedmodel": lambda: serving(images=tensor),
        "onnxruntime": lambda: session.run(None, {"images": images}),
    }
    seconds = separate_median_seconds(calls, repeats)
    rates = {name: batch / value for name, value in seconds.items()}
    print(
        f"\n{name} {size}x{size}x6, batch {batch} (median of {repeats}), "
        f"ONNX max |diff| {difference:.1e}"
    )
    for runtime, rate in rates.items():
        print(
            f"  {runtime:<12} {rate:8.1f} images/s  {1000 / rate:7.1f} ms/image  "
            f"ratio vs keras {rate / rates['keras']:.2f}"
        )
    return model, rates


def bench_pipeline(model, batch, crop, steps, workdir):
    import keras

    from tfdefect.data.segmentation_pipeline import segmentation_pipeline
    from tfdefect.datasets.chips6.data_config import Chips6DataConfig
    from tfdefect.losses import DiceFocalLoss

    builder = Chips6DataConfig(
        data_dir=os.path.join(workdir, "tfds"), num_train=128, num_validation=1, num_test=1
    ).prepare()

    def dataset():
        return segmentation_pipeline(
            builder.as_dataset(split="train"), batch_size=batch, training=True, crop_size=crop
        ).repeat()

    iterator = iter(dataset())
    next(iterator)
    for _ in range(len(range(0, 128, batch))):  # fill the cache once, as epoch 1 does
        next(iterator)
    started = time.perf_counter()
    for _ in range(steps * 4):
        next(iterator)
    pipeline_rate = steps * 4 * batch / (time.perf_counter() - started)

    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=DiceFocalLoss())
    crops = [next(iterator) for _ in range(steps + 1)]
    model.train_on_batch(*crops[0])
    started = time.perf_counter()
    for images, masks in crops[1:]:
        model.train_on_batch(images, masks)
    training_rate = steps * batch / (time.perf_counter() - started)
    print(
        f"\ntf.data pipeline (cached, shuffle, {crop}px crops, augment, batch {batch}): "
        f"{pipeline_rate:.0f} images/s"
    )
    print(
        f"training consumes: {training_rate:.1f} images/s -> pipeline is "
        f"{pipeline_rate / training_rate:.1f}x faster (target >= 3x)"
    )
    return {"pipeline_images_per_s": pipeline_rate, "training_images_per_s": training_rate}


NAMES = {"unet": "U-Net", "resnet50_fpn": "ResNet50-FPN"}


def table(results: dict) -> str:
    """Markdown: images/s per runtime for each segmenter, then the pipeline line."""
    from tfdefect.bench.report import markdown_table

    rows = []
    for name, result in results["segmenters"].items():
        rates = result["images_per_s"]
        rows.append(
            [NAMES.get(name, name)]
            + [f"{rates[r]:.1f}" for r in ("keras", "savedmodel", "onnxruntime")]
            + [f"{rates['onnxruntime'] / rates['keras']:.2f}x"]
        )
    header = ["model", "Keras img/s", "SavedModel img/s", "onnxruntime img/s", "ORT / Keras"]
    text = markdown_table(header, rows)
    pipeline = results.get("pipeline")
    if pipeline:
        rate, used = pipeline["pipeline_images_per_s"], pipeline["training_images_per_s"]
        text += (
            f"\n\ntf.data training pipeline {rate:.0f} images/s vs {used:.1f} images/s "
            f"consumed by {NAMES.get(results['pipeline_model'], '')} training: {rate / used:.1f}x"
        )
    return text


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--models", nargs="+", default=["unet"])
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--crop", type=int, default=96, help="training crop (recipe default)")
    parser.add_argument("--train-steps", type=int, default=10)
    parser.add_argument("--json", default="bench_results/segmenters.json")
    args = parser.parse_args(argv)

    from tfdefect.bench.machine import describe_machine
    from tfdefect.bench.report import write_bench_json

    machine = describe_machine()
    print("machine:", machine)
    results = {}
    with tempfile.TemporaryDirectory() as workdir:
        model = None
        for name in args.models:
            model, rates = bench_inference(name, args.size, args.batch, args.repeats, workdir)
            results[name] = {"batch": args.batch, "images_per_s": rates}
        first = args.models[0]
        from tfdefect.registry import create_model

        model = create_model(first, image_shape=(None, None, 6)) if first == "unet" else model
        pipeline = bench_pipeline(model, args.batch, args.crop, args.train_steps, workdir)
    payload = {"settings": vars(args), "segmenters": results}
    payload.update(pipeline=pipeline, pipeline_model=first)
    write_bench_json(args.json, machine, {**payload, "table": table(payload)})
    print(f"wrote {args.json}")


if __name__ == "__main__":
    from tfdefect.console import console_logging

    with console_logging():
        main()
