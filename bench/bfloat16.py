"""bfloat16 on this CPU: ms/image of the convolutional trunks in float32 and in Keras'
``mixed_bfloat16`` policy (bfloat16 compute, float32 weights), same weights, one process
per policy (the policy is global).

    python bench/bfloat16.py
    python bench/bfloat16.py --batches 1 8 --repeats 10

Trunks: the ResNet50-FPN segmenter (whole model), PaDiM's EfficientNet-B0 feature extractor
and Mask R-CNN's ResNet-25 backbone + merge stem. PaDiM's Gaussian statistics and Mask
R-CNN's heads stay float32 whatever the policy (their distances and box arithmetic need
it), so the trunk is where bfloat16 could pay. The bar: bfloat16 is worth keeping only
where it is at least 1.3x faster; the max |difference| of the outputs against float32 is
printed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import numpy as np

TRUNKS = ("segmenter_resnet50_fpn", "padim_efficientnetb0_features", "mask_rcnn_resnet25_trunk")


def build(name):
    if name == "segmenter_resnet50_fpn":
        from tfdefect.models.segmenters.resnet50_fpn_segmenter import ResNet50FPNSegmenter

        return ResNet50FPNSegmenter(image_shape=(224, 224, 6)), 6
    if name == "padim_efficientnetb0_features":
        from tfdefect.models.padim.feature_extractor import PadimFeatureExtractor

        return PadimFeatureExtractor("efficientnetb0", (224, 224, 3)), 3
    import keras

    from tfdefect.backbones.channel_merge import ChannelMergeStem
    from tfdefect.backbones.resnet_bottleneck import ResNetBackbone

    inputs = keras.Input((224, 224, 6))
    merged = ChannelMergeStem(input_channels=6)(inputs)
    outputs = ResNetBackbone("resnet25", input_channels=3)(merged)
    return keras.Model(inputs, outputs), 6


def worker(name, policy, batches, repeats, weights_path):
    import keras
    import tensorflow as tf

    from tfdefect.bench.timing import interleaved_median_seconds

    keras.mixed_precision.set_global_policy(policy)
    keras.utils.set_random_seed(0)
    model, channels = build(name)
    if os.path.exists(weights_path):
        model.load_weights(weights_path)
    else:
        model.save_weights(weights_path)
    images = np.random.default_rng(0).integers(0, 256, (max(batches), 224, 224, channels))
    images = tf.constant(images.astype(np.float32))
    call = tf.function(lambda x: model(x, training=False))
    flat = tf.concat(
        [tf.reshape(tf.cast(o, tf.float32), [-1]) for o in tf.nest.flatten(call(images[:1]))],
        0,
    )
    ms = {}
    for batch in batches:
        seconds = interleaved_median_seconds({"c": lambda b=batch: call(images[:b])}, repeats)
        ms[str(batch)] = 1000 * seconds["c"] / batch
    return {"ms_per_image": ms, "outputs": flat.numpy()[:200000].tolist()}


TRUNK_NAMES = {
    "segmenter_resnet50_fpn": "ResNet50-FPN segmenter",
    "padim_efficientnetb0_features": "PaDiM EfficientNet-B0 features",
    "mask_rcnn_resnet25_trunk": "Mask R-CNN ResNet-25 + merge stem",
}


def table(results: dict) -> str:
    """Markdown: bfloat16's speed-up over float32 per trunk and batch, and the difference."""
    from tfdefect.bench.report import markdown_table

    batches = results["settings"]["batches"]
    rows = []
    for row in results["bfloat16"]:
        cells = [f"{row[f'b{b}']['speedup']:.2f}x" for b in batches]
        difference = f"{row['relative_max_difference']:.1%} of range"
        rows.append([TRUNK_NAMES.get(row["trunk"], row["trunk"]), *cells, difference])
    header = ["trunk", *[f"batch {b}" for b in batches], "outputs differ by"]
    return markdown_table(header, rows)


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--trunks", nargs="+", default=list(TRUNKS), choices=TRUNKS)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 8])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--json", default="bench_results/bfloat16.json")
    parser.add_argument("--worker", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        name, policy, weights_path = args.worker
        print(json.dumps(worker(name, policy, args.batches, args.repeats, weights_path)))
        return

    import tempfile

    from tfdefect.bench.machine import describe_machine
    from tfdefect.bench.report import write_bench_json

    machine = describe_machine()
    print("machine:", machine)
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        for name in args.trunks:
            weights = os.path.join(workdir, f"{name}.weights.h5")
            results = {}
            for policy in ("float32", "mixed_bfloat16"):  # float32 first writes the weights
                command = [sys.executable, os.path.abspath(__file__), "--worker", name, policy]
                command += [weights, "--repeats", str(args.repeats), "--batches"]
                run = subprocess.run(
                    command + [str(b) for b in args.batches], capture_output=True, text=True
                )
                if run.returncode != 0:
                    raise SystemExit(f"{name} {policy}: {run.stderr.strip().splitlines()[-1]}")
                results[policy] = json.loads(run.stdout.strip().splitlines()[-1])
            reference = np.asarray(results["float32"].pop("outputs"))
            low = np.asarray(results["mixed_bfloat16"].pop("outputs"))
            difference = float(np.max(np.abs(reference - low)) / (np.max(np.abs(reference)) or 1))
            row = {"trunk": name, "relative_max_difference": difference}
            for batch in args.batches:
                f32 = results["float32"]["ms_per_image"][str(batch)]
                bf16 = results["mixed_bfloat16"]["ms_per_image"][str(batch)]
                row[f"b{batch}"] = {"float32_ms": f32, "bfloat16_ms": bf16, "speedup": f32 / bf16}
                print(
                    f"{name:<32} batch {batch}: float32 {f32:7.1f} ms/image, bfloat16 "
                    f"{bf16:7.1f} ({f32 / bf16:.2f}x, "
                    + ("pays" if f32 / bf16 >= 1.3 else "below the 1.3x bar")
                    + ")",
                    flush=True,
                )
            print(f"{'':<32} outputs differ by up to {difference:.1%} of their range")
            rows.append(row)
    settings = {k: v for k, v in vars(args).items() if k != "worker"}
    payload = {"settings": settings, "bfloat16": rows}
    write_bench_json(args.json, machine, {**payload, "table": table(payload)})
    print(f"wrote {args.json}")


if __name__ == "__main__":
    from tfdefect.console import console_logging

    with console_logging():
        main()
