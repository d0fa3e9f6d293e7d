"""Edge latency of the wafer SEM classifier: ms/image at batch 1 on 1 and 2 threads for
Keras, onnxruntime float, onnxruntime INT8 and TFLite INT8, with model sizes.

    python bench/wafer.py                                   # MobileNetV2 alpha 1.0, 96 px
    python bench/wafer.py --size 224                        # the wafer recipe's default side
    python bench/wafer.py --checkpoint runs/wafer_mobilenet/checkpoints/best.keras

``--size`` defaults to 96, the tiny-device side (``--set data.image_size=96`` in the wafer
recipe) and the one the INT8 table of docs/benchmarks.md was measured at; the recipe
itself trains at 224 px by default. With --checkpoint the side is the checkpoint's input side.

Each thread count runs in its own process (TensorFlow fixes its thread pools at start-up).
Goals: INT8 at most a third of the float size and at least 1.5x faster than
float onnxruntime at batch 1. Without --checkpoint the model has random weights and is
calibrated on synthetic SEM images (speed and size do not depend on the weights).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np


def sem_images(count, size, seed=0):
    from tfdefect.datasets.wafer_sem.synthetic import CLASS_NAMES, render_site, site_layout

    rng = np.random.default_rng(seed)
    images = []
    for i in range(count):
        layout = site_layout(rng, CLASS_NAMES[i % len(CLASS_NAMES)])
        images.append(render_site(layout, rng, size)[..., None])
    return np.stack(images)


def build_files(args, workdir) -> dict:
    import keras

    from tfdefect.export import export_onnx
    from tfdefect.models.classifiers import ImageClassifier
    from tfdefect.quantization import convert_tflite_int8, quantize_onnx_int8

    if args.checkpoint:
        model = keras.saving.load_model(args.checkpoint, compile=False)
        path = args.checkpoint
    else:
        keras.utils.set_random_seed(0)
        model = ImageClassifier(
            "mobilenetv2",
            num_classes=8,
            image_shape=(args.size, args.size, 1),
            backbone_options={"alpha": args.alpha},
        )
        path = os.path.join(workdir, "model.keras")
        model.save(path)
    size = model.input_shape[1]
    calibration = sem_images(64, size)
    float_onnx = os.path.join(workdir, "float.onnx")
    export_onnx(model, float_onnx, sample_images=calibration[:2])
    return {
        "keras": path,
        "onnx_float": float_onnx,
        "onnx_int8": quantize_onnx_int8(
            float_onnx, calibration, os.path.join(workdir, "int8.onnx")
        ),
        "tflite_int8": convert_tflite_int8(
            model, calibration, os.path.join(workdir, "int8.tflite")
        ),
        "size": size,
    }


def time_runtimes(files: dict, threads: int, repeats: int) -> dict:
    """Median ms per image at batch 1 of each runtime with ``threads`` threads."""
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(threads)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras
    import onnxruntime as ort

    import tfdefect.models  # noqa: F401  (custom classes of the .keras file)
    from tfdefect.bench.timing import separate_median_seconds
    from tfdefect.quantization import TfliteClassifier

    image = sem_images(1, files["size"], seed=1)
    model = keras.saving.load_model(files["keras"], compile=False)
    floats = image.astype("float32")
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    sessions = {
        name: ort.InferenceSession(files[name], options, providers=["CPUExecutionProvider"])
        for name in ("onnx_float", "onnx_int8")
    }
    tflite = TfliteClassifier(files["tflite_int8"], num_threads=threads)
    keras_call = tf.function(lambda x: model(x, training=False))
    calls = {
        "keras": lambda: keras_call(tf.constant(floats)),
        "onnx_float": lambda: sessions["onnx_float"].run(None, {"images": image}),
        "onnx_int8": lambda: sessions["onnx_int8"].run(None, {"images": image}),
        "tflite_int8": lambda: tflite.predict_one(image[0]),
    }
    return {name: 1000 * s for name, s in separate_median_seconds(calls, repeats).items()}


def table(results: dict) -> str:
    """Markdown: batch-1 ms/image per thread count and runtime, then the file sizes."""
    from tfdefect.bench.report import markdown_table

    rows = []
    for row in results["batch1"]:
        ms = row["ms_per_image"]
        rows.append(
            [
                row["threads"],
                f"{ms['keras']:.2f}",
                f"{ms['onnx_float']:.2f}",
                f"{ms['onnx_int8']:.2f} ({ms['onnx_float'] / ms['onnx_int8']:.2f}x)",
                f"{ms['tflite_int8']:.2f} ({ms['onnx_float'] / ms['tflite_int8']:.2f}x)",
            ]
        )
    header = ["threads", "Keras", "onnxruntime float", "onnxruntime INT8", "TFLite INT8"]
    sizes = results["sizes_mb"]
    float_mb = sizes["onnx_float"]
    return markdown_table(header, rows) + (
        f"\n\nSizes: float ONNX {float_mb:.2f} MB, INT8 ONNX {sizes['onnx_int8']:.2f} MB "
        f"({sizes['onnx_int8'] / float_mb:.2f}x), TFLite INT8 {sizes['tflite_int8']:.2f} MB "
        f"({sizes['tflite_int8'] / float_mb:.2f}x)."
    )


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--checkpoint", help="a trained wafer .keras (default: random weights)")
    parser.add_argument(
        "--size", type=int, default=96, help="image side (96: tiny devices; the recipe's is 224)"
    )
    parser.add_argument("--alpha", type=float, default=1.0)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--json", default="bench_results/wafer.json")
    parser.add_argument("--worker", help=argparse.SUPPRESS)  # files JSON: time, print JSON
    args = parser.parse_args(argv)
    if args.worker:
        files = json.loads(args.worker)
        print(json.dumps(time_runtimes(files, args.threads[0], args.repeats)))
        return

    from tfdefect.bench.machine import describe_machine
    from tfdefect.bench.report import write_bench_json

    machine = describe_machine()
    print("machine:", machine)
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        files = build_files(args, workdir)
        sizes = {
            k: os.path.getsize(files[k]) / 2**20 for k in ("onnx_float", "onnx_int8", "tflite_int8")
        }
        print(
            f"MobileNetV2 {files['size']} px grey; sizes MB: "
            + ", ".join(f"{k} {v:.2f}" for k, v in sizes.items())
            + f"; INT8 / float size: onnx {sizes['onnx_int8'] / sizes['onnx_float']:.2f}, "
            f"tflite {sizes['tflite_int8'] / sizes['onnx_float']:.2f} (target <= 0.33)"
        )
        print(f"batch 1, median of {args.repeats} calls, one runtime at a time, ms/image")
        print(
            f"{'threads':<8}{'keras':>10}{'ort float':>11}{'ort int8':>10}{'tflite int8':>13}"
            "   speed-up of INT8 vs ort float"
        )
        for threads in args.threads:
            result = subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--worker",
                    json.dumps(files),
                    "--threads",
                    str(threads),
                    "--repeats",
                    str(args.repeats),
                ],
                capture_output=True,
                text=True,
            )
            if result.returncode != 0:
                raise RuntimeError(result.stderr[-3000:])
            ms = json.loads(result.stdout.strip().splitlines()[-1])
            rows.append({"threads": threads, "ms_per_image": ms})
            print(
                f"{threads:<8}{ms['keras']:>10.2f}{ms['onnx_float']:>11.2f}{ms['onnx_int8']:>10.2f}"
                f"{ms['tflite_int8']:>13.2f}   ort int8 {ms['onnx_float'] / ms['onnx_int8']:.2f}x, "
                f"tflite int8 {ms['onnx_float'] / ms['tflite_int8']:.2f}x (target >= 1.5x)",
                flush=True,
            )

    settings = {k: v for k, v in vars(args).items() if k != "worker"}
    payload = {"settings": settings, "sizes_mb": sizes, "batch1": rows}
    write_bench_json(args.json, machine, {**payload, "table": table(payload)})
    print(f"wrote {args.json}")


if __name__ == "__main__":
    from tfdefect.console import console_logging

    with console_logging():
        main()
