"""Export memory and time: peak RSS and seconds of publishing every model of the library
(SavedModel + ONNX with its parity check, ``publish_model``, the route of every recipe and
of ``tfdefect export``), each in its own process, random weights.

    python bench/export.py                          # every model
    python bench/export.py --models padim_resnet18 classifier_vit

Budget: peak RSS of each export at most 3 GB + 4x the model's weight bytes.
"peak" is the child process's maximum resident set (ru_maxrss), TensorFlow and the model
included; "before" is the resident set once the model is built, before exporting.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from tfdefect.bench.names import CLASSIFIER_NAMES

GIB = 2**30

# name -> (registry name, constructor arguments); sizes are the recipes' defaults
MODELS = {
    **{
        f"classifier_{a}": ("classifier_" + a, {"image_shape": (224, 224, 3), "num_classes": 2})
        for a in (
            "luna",
            "alexnet",
            "resnet18",
            "efficientnetv2",
            "convnext",
            "vit",
            "deit",
            "swin_t",
        )
    },
    "classifier_mobilenetv2": (
        "classifier_mobilenetv2",
        {"image_shape": (96, 96, 1), "num_classes": 9},
    ),
    "padim_efficientnetb0": ("anomaly_padim", {"backbone": "efficientnetb0"}),
    "padim_resnet18": ("anomaly_padim", {"backbone": "resnet18"}),
    "padim_wide_resnet50": ("anomaly_padim", {"backbone": "wide_resnet50"}),
    "mpb3": ("pair_mpb3", {}),
    "segmenter_unet": ("segmenter_unet", {"image_shape": (224, 224, 6)}),
    "segmenter_resnet50_fpn": ("segmenter_resnet50_fpn", {"image_shape": (224, 224, 6)}),
    "mask_rcnn_resnet25": (
        "detector_mask_rcnn",
        {"backbone": "resnet25", "merge_channels": True, "image_shape": (224, 224, 6)},
    ),
    "mask_rcnn_resnet50": (
        "detector_mask_rcnn",
        {"backbone": "resnet50", "merge_channels": True, "image_shape": (224, 224, 6)},
    ),
}


def status_gib(field: str = "VmRSS") -> float:
    """This process's ``VmRSS`` (now) or ``VmHWM`` (its own peak: unlike ru_maxrss, not
    carried over from the process that started it) in GiB."""
    with open("/proc/self/status") as handle:
        for line in handle:
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 2**20
    return float("nan")


def export_one(name: str, workdir: str) -> dict:
    """Build ``name``, publish it, return its figures (runs in the child)."""
    import keras
    import numpy as np

    from tfdefect.export.publish import publish_model
    from tfdefect.registry import create_model

    keras.utils.set_random_seed(0)
    registry_name, kwargs = MODELS[name]
    model = create_model(registry_name, **kwargs)
    weight_bytes = sum(
        int(np.prod(v.shape)) * np.dtype(keras.backend.standardize_dtype(v.dtype)).itemsize
        for v in model.variables
    )
    before = status_gib()
    started = time.perf_counter()
    published = publish_model(model, workdir, name, write_models_config=False, log=lambda _: None)
    return {
        "model": name,
        "weight_bytes": weight_bytes,
        "rss_before_gib": before,
        "peak_rss_gib": status_gib("VmHWM"),
        "seconds": time.perf_counter() - started,
        "onnx_max_diff": published.onnx_max_diff,
    }


NAMES = {
    **{f"classifier_{name}": label for name, label in CLASSIFIER_NAMES.items()},
    "classifier_mobilenetv2": "MobileNetV2 (wafer) 96 px grey",
    "padim_efficientnetb0": "PaDiM EfficientNet-B0 224 px",
    "padim_resnet18": "PaDiM ResNet18 224 px",
    "padim_wide_resnet50": "PaDiM Wide-ResNet-50-2 224 px",
    "mpb3": "MPB3",
    "segmenter_unet": "U-Net",
    "segmenter_resnet50_fpn": "ResNet50-FPN segmenter",
    "mask_rcnn_resnet25": "Mask R-CNN ResNet-25",
    "mask_rcnn_resnet50": "Mask R-CNN ResNet50",
}


def table(results: dict) -> str:
    """Markdown: each export's weights, memory before and at peak, budget and seconds."""
    from tfdefect.bench.report import markdown_table

    rows = []
    for row in results["exports"]:
        name = NAMES.get(row["model"], row["model"])
        if "error" in row:
            rows.append([name, "failed: " + row["error"], "", "", "", ""])
            continue
        rows.append(
            [
                name,
                f"{row['weight_bytes'] / 1e6:.1f} MB",
                f"{row['rss_before_gib']:.2f} GB",
                f"{row['peak_rss_gib']:.2f} GB",
                f"{row['budget_gib']:.2f} GB",
                f"{row['seconds']:.1f}",
            ]
        )
    header = ["model", "weights", "RSS before export", "peak RSS", "budget", "seconds"]
    return markdown_table(header, rows)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=list(MODELS))
    parser.add_argument("--json", default="bench_results/export.json")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        with tempfile.TemporaryDirectory() as workdir:
            print(json.dumps(export_one(args.models[0], workdir)))
        return

    from tfdefect.bench.machine import describe_machine
    from tfdefect.bench.report import write_bench_json

    machine = describe_machine()
    print("machine:", machine)
    print(
        f"{'model':<26}{'weights MB':>11}{'before GB':>10}{'peak GB':>9}{'budget GB':>10}"
        f"{'seconds':>9}  verdict"
    )
    rows = []
    for name in args.models:
        command = [sys.executable, os.path.abspath(__file__), "--worker", "--models", name]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            tail = (result.stderr.strip().splitlines() or ["no output"])[-1]
            print(f"{name:<26} failed: {tail}", flush=True)
            rows.append({"model": name, "error": tail})
            continue
        row = json.loads(result.stdout.strip().splitlines()[-1])
        budget = 3.0 * 1e9 / GIB + 4 * row["weight_bytes"] / GIB
        row["budget_gib"] = budget
        row["within_budget"] = row["peak_rss_gib"] <= budget
        rows.append(row)
        print(
            f"{name:<26}{row['weight_bytes'] / 1e6:>11.1f}{row['rss_before_gib']:>10.2f}"
            f"{row['peak_rss_gib']:>9.2f}{budget:>10.2f}{row['seconds']:>9.1f}  "
            + ("within budget" if row["within_budget"] else "OVER BUDGET"),
            flush=True,
        )
    payload = {"settings": {"models": args.models}, "exports": rows}
    write_bench_json(args.json, machine, {**payload, "table": table(payload)})
    print(f"\nwrote {args.json}")


if __name__ == "__main__":
    from tfdefect.console import console_logging

    with console_logging():
        main()
