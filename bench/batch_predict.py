"""Images per second of `tfdefect predict` (one process, its own loop) against
`tfdefect batch-predict` on Beam's DirectRunner with 1 and 2 workers, same images, same
exported SavedModel, for the U-Net segmenter (6-channel chips) and PaDiM (PCB boards).

    python bench/batch_predict.py                    # 2,000 images per model
    python bench/batch_predict.py --images 400 --models padim

Goals: 2 workers >= 1.6x 1 worker; batch-predict with 1 worker >= 0.9x the
plain loop. Where the time goes is measured on the plain loop's parts: decode
(`read_image`), model (Predictor on decoded batches), write (JSON lines). Pictures are off
in both (batch-predict draws none). Random weights: speed does not depend on them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

RESULTS = "bench_results/batch_predict.json"
WORK = "bench_results/batch_predict"


def _model(name: str, folder: str) -> str:
    import keras
    import numpy as np

    from tfdefect.export import describe_model, export_savedmodel
    from tfdefect.export.model_description import serving_postprocess

    keras.utils.set_random_seed(0)
    if name == "segmenter":
        from tfdefect.models.segmenters import UNetSegmenter

        model = UNetSegmenter(image_shape=(224, 224, 6))
    else:
        from tfdefect.models.padim import Padim

        model = Padim("resnet18", (224, 224, 3))
        images = np.random.default_rng(0).integers(0, 256, (8, 224, 224, 3)).astype(np.uint8)
        model.fit_gaussian([images], verbose=False)
        model.set_threshold(20.0)
    return export_savedmodel(
        model,
        os.path.join(folder, name),
        1,
        postprocess=serving_postprocess(model),
        metadata=describe_model(model),
        write_models_config=False,
        overwrite=True,  # the bench's own model, rebuilt every run
    )


def _images(name: str, folder: str, count: int) -> str:
    import cv2
    import numpy as np

    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(1)
    channels = 6 if name == "segmenter" else 3
    for index in range(count):
        image = rng.integers(0, 256, (224, 224, channels)).astype(np.uint8)
        if channels == 6:
            np.save(os.path.join(folder, f"{index:05d}.npy"), image)
        else:
            cv2.imwrite(os.path.join(folder, f"{index:05d}.png"), image)
    return os.path.join(folder, "*.npy" if channels == 6 else "*.png")


def _parts(model_path: str, pattern: str) -> dict:
    """Seconds per image of decode, model and write in the plain loop's terms."""
    import glob

    from tfdefect.inference.predictor import Predictor

    predictor = Predictor(model_path)
    files = sorted(glob.glob(pattern))[:200]
    started = time.perf_counter()
    images = [predictor.read(f) for f in files]
    decode = time.perf_counter() - started
    predictor.predict(images[: predictor.batch_size])  # warm-up
    started = time.perf_counter()
    results = predictor.predict(images)
    model = time.perf_counter() - started
    started = time.perf_counter()
    lines = [json.dumps(r.to_dict()) for r in results]
    with open(os.path.join(WORK, "parts.jsonl"), "w") as handle:
        handle.write("\n".join(lines))
    write = time.perf_counter() - started
    return {k: v / len(files) for k, v in (("decode", decode), ("model", model), ("write", write))}


def main(argv=None):
    from tfdefect.beam.batch_predict import batch_predict
    from tfdefect.bench.machine import describe_machine
    from tfdefect.bench.report import write_bench_json
    from tfdefect.inference.folder_prediction import predict_to_folder
    from tfdefect.inference.predictor import Predictor

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument(
        "--models", nargs="+", default=["segmenter", "padim"], choices=["segmenter", "padim"]
    )
    parser.add_argument("--json", default=RESULTS)
    args = parser.parse_args(argv)
    machine = describe_machine()
    print(machine, flush=True)
    results = {}
    for name in args.models:
        model_path = _model(name, os.path.join(WORK, "models"))
        pattern = _images(name, os.path.join(WORK, f"images_{name}"), args.images)
        row = {"images": args.images}
        output = os.path.join(WORK, f"out_{name}")
        shutil.rmtree(output, ignore_errors=True)
        started = time.perf_counter()
        predict_to_folder(
            Predictor(model_path),
            [os.path.dirname(pattern)],
            output,
            pictures=False,
            progress=False,
        )
        row["plain_images_per_s"] = args.images / (time.perf_counter() - started)
        for workers in (1, 2):
            options = [f"--direct_num_workers={workers}"]
            if workers > 1:
                options.append("--direct_running_mode=multi_processing")
            started = time.perf_counter()
            summary = batch_predict(
                model_path,
                pattern,
                f"{output}_beam{workers}",
                pipeline_args=options,
                overwrite=True,
            )
            assert summary["images"] == args.images, summary
            row[f"beam{workers}_images_per_s"] = args.images / (time.perf_counter() - started)
        row["beam1_vs_plain"] = row["beam1_images_per_s"] / row["plain_images_per_s"]
        row["beam2_vs_beam1"] = row["beam2_images_per_s"] / row["beam1_images_per_s"]
        row["seconds_per_image"] = _parts(model_path, pattern)
        results[name] = row
        print(name, json.dumps(row, indent=1), flush=True)
        payload = {"settings": vars(args), "models": results}
        write_bench_json(args.json, machine, {**payload, "table": table(payload)})
    print(table({"models": results}))
    print(f"wrote {args.json}")


NAMES = {"segmenter": "U-Net segmenter (6 channels)", "padim": "PaDiM ResNet18"}


def table(payload: dict) -> str:
    """Markdown: images/s of the plain loop and of Beam with 1 and 2 workers, their ratios
    and where the plain loop's time goes."""
    from tfdefect.bench.report import markdown_table

    rows = []
    for name, row in payload["models"].items():
        parts = " / ".join(
            f"{1000 * row['seconds_per_image'][k]:.1f}" for k in ("decode", "model", "write")
        )
        rows.append(
            [
                NAMES.get(name, name),
                f"{row['plain_images_per_s']:.1f} img/s",
                f"{row['beam1_images_per_s']:.1f}",
                f"{row['beam2_images_per_s']:.1f}",
                f"{row['beam1_vs_plain']:.2f}",
                f"{row['beam2_vs_beam1']:.2f}",
                parts,
            ]
        )
    header = ["model", "plain `tfdefect predict`", "batch-predict, 1 worker", "2 workers"]
    header += ["1 worker / plain", "2 / 1 worker", "decode / model / write, ms per image"]
    return markdown_table(header, rows)


if __name__ == "__main__":
    from tfdefect.console import console_logging

    with console_logging():
        main()
