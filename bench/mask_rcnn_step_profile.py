"""Where a Mask R-CNN training step spends its time on CPU, part by part.

    python bench/mask_rcnn_step_profile.py                 # the quick recipe's step
    python bench/mask_rcnn_step_profile.py --crop 224 --batch 2

Builds the quick recipe's model (ResNet-25, 3 channels, four 96 px crops), takes one
training batch and times, as compiled tf.functions after a warm-up, the parts a training
step is made of: the data pipeline, backbone + FPN forward and forward + backward, the RPN
and ROI target sampling, the whole loss (forward) and the whole step (forward, backward,
Adam) and the Adam update alone. Floating-point operations (a multiply-add counts two) come
from TensorFlow's graph profiler; the baseline is one large convolution (forward +
backward) on the same cores, measured in the same run, so the step's GFLOP/s reads as a
share of what these cores reach; a convolution of the step's own P2 size and the large one
in bfloat16 are measured beside it.
"""

from __future__ import annotations

import argparse
import time


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crop", type=int, default=96)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--anchor-preset", default="chips6")
    parser.add_argument("--json", default="bench_results/mask_rcnn_step_profile.json")
    return parser.parse_args(argv)


def seconds_per_call(function, repeats):
    """Median wall seconds of ``function()`` over ``repeats`` calls after two warm-ups."""
    import numpy as np

    for _ in range(2):
        function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def graph_gflop(function, *args):
    """GFLOP of one call of tf.function ``function`` (TensorFlow's graph profiler)."""
    import tensorflow as tf

    graph = function.get_concrete_function(*args).graph
    options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    options["output"] = "none"
    profile = tf.compat.v1.profiler.profile(graph, options=options)
    return profile.total_float_ops / 1e9


def main(argv=None):
    args = parse_args(argv)
    import keras
    import numpy as np
    import tensorflow as tf

    from tfdefect.bench.machine import describe_machine
    from tfdefect.data.channel_selection import first_channels
    from tfdefect.data.detection_pipeline import detection_pipeline
    from tfdefect.datasets.chips6.data_config import Chips6DataConfig
    from tfdefect.models.mask_rcnn.detection_targets import detection_targets
    from tfdefect.models.mask_rcnn.mask_rcnn import MaskRCNN
    from tfdefect.models.mask_rcnn.rpn_targets import rpn_targets

    print(describe_machine())
    print(f"settings: {vars(args)}", flush=True)
    data = Chips6DataConfig(num_train=256, num_validation=16, num_test=16)
    builder = data.prepare()
    train = detection_pipeline(
        builder.as_dataset(split="train"),
        batch_size=args.batch,
        training=True,
        seed=0,
        crop_size=args.crop,
    )
    train = first_channels(train, 3).repeat()
    iterator = iter(train)
    images, targets = next(iterator)[:2]
    images = tf.cast(images, tf.float32)
    keras.utils.set_random_seed(0)
    model = MaskRCNN(
        image_shape=(args.crop, args.crop, 3),
        num_classes=4,
        backbone="resnet25",
        train_rois=32,
        mask_channels=64,
        anchor_preset=args.anchor_preset,
    )
    model.compile(optimizer=keras.optimizers.Adam(5e-4, clipnorm=5.0))
    variables = model.trainable_variables
    model.optimizer.build(variables)

    @tf.function
    def backbone_forward(x):
        return model.pyramid(x, training=True)

    @tf.function
    def backbone_backward(x):
        with tf.GradientTape() as tape:
            total = tf.add_n([tf.reduce_sum(f) for f in model.pyramid(x, training=True)])
        return tape.gradient(total, variables)

    @tf.function
    def losses_forward(x):
        return model.compute_losses(x, targets, training=True)

    @tf.function
    def whole_step(x):
        return model.train_step((x, targets))

    features = backbone_forward(images)
    _, probabilities, deltas = model.rpn(features)
    proposals = model.proposals_for_training([probabilities[..., 1], deltas])

    @tf.function
    def rpn_sampling():
        return rpn_targets(
            model.anchors,
            targets["boxes"],
            targets["classes"],
            train_anchors=model.rpn_train_anchors,
            positive_iou=model.rpn_positive_iou,
        )

    @tf.function
    def roi_sampling():
        return detection_targets(
            proposals,
            targets["boxes"],
            targets["classes"],
            targets["masks"],
            train_rois=model.train_rois,
            jittered_rois=model.jittered_rois,
        )

    gradients = [tf.zeros_like(v) for v in variables]

    @tf.function
    def adam_update():
        model.optimizer.apply_gradients(zip(gradients, variables, strict=True))

    def convolution(shape, channels, dtype):
        """A tf.function running one 3x3 convolution forward + backward on ``shape``."""
        conv = keras.layers.Conv2D(channels, 3, padding="same", dtype=dtype)
        conv.build(shape)

        @tf.function
        def run(x):
            with tf.GradientTape() as tape:
                tape.watch(x)
                total = tf.reduce_sum(tf.cast(conv(x), tf.float32))
            return tape.gradient(total, [x, *conv.trainable_variables])

        return run, tf.cast(tf.random.normal(shape), dtype)

    # the baseline: one large convolution, forward + backward, near these cores' peak; and
    # one of the step's own sizes (P2 of the FPN); bfloat16 shows what a CPU with bf16
    # matrix units (AMX, AVX512-BF16) would give
    big_convolution, big = convolution((8, 56, 56, 256), 256, "float32")
    small_convolution, small = convolution(
        (args.batch, args.crop // 4, args.crop // 4, 128), 128, "float32"
    )
    big_bf16, big_b = convolution((8, 56, 56, 256), 256, "bfloat16")

    parts = [
        ("data pipeline (next batch)", lambda: next(iterator), None),
        ("backbone + FPN forward", lambda: backbone_forward(images), (backbone_forward, images)),
        (
            "backbone + FPN fwd + bwd",
            lambda: backbone_backward(images),
            (backbone_backward, images),
        ),
        ("RPN target sampling", rpn_sampling, None),
        ("ROI target sampling", roi_sampling, None),
        ("all losses, forward", lambda: losses_forward(images), (losses_forward, images)),
        ("Adam update alone", adam_update, None),
        ("whole training step", lambda: whole_step(images), (whole_step, images)),
        (
            f"3x3 conv 128 ch at P2 ({args.crop // 4} px) fwd+bwd",
            lambda: small_convolution(small),
            (small_convolution, small),
        ),
        ("3x3 conv 256 ch 56 px bfloat16 fwd+bwd", lambda: big_bf16(big_b), (big_bf16, big_b)),
        (
            "baseline: 3x3 conv 256 ch 56 px fwd+bwd",
            lambda: big_convolution(big),
            (big_convolution, big),
        ),
    ]
    rows = []
    for name, function, flop_of in parts:
        seconds = seconds_per_call(function, args.repeats)
        gflop = graph_gflop(*flop_of) if flop_of else float("nan")
        rows.append((name, seconds, gflop))

    from tfdefect.bench.report import write_bench_json

    parts = [{"part": n, "seconds": s, "gflop": None if np.isnan(g) else g} for n, s, g in rows]
    payload = {"settings": vars(args), "parts": parts}
    text = table(payload)
    print("\n" + text)
    write_bench_json(args.json, describe_machine(), {**payload, "table": text})
    print(f"wrote {args.json}")


def table(payload: dict) -> str:
    """Markdown: each part's median ms, share of the whole step, GFLOP and GFLOP/s (also
    against the last part, the baseline convolution)."""
    from tfdefect.bench.report import markdown_table

    parts = payload["parts"]
    step = next(p["seconds"] for p in parts if p["part"] == "whole training step")
    baseline = parts[-1]["gflop"] / parts[-1]["seconds"]
    rows = []
    for part in parts:
        seconds, gflop = part["seconds"], part["gflop"]
        rate = gflop / seconds if gflop is not None else None
        alone = part["part"].startswith(("3x3", "baseline"))
        rows.append(
            [
                part["part"],
                f"{seconds * 1e3:.1f}",
                "" if alone else f"{seconds / step:.0%}",
                "" if gflop is None else f"{gflop:.2f}",
                "" if rate is None else f"{rate:.0f}",
                "" if rate is None else f"{rate / baseline:.2f}",
            ]
        )
    header = ["part", "ms", "share of step", "GFLOP", "GFLOP/s", "vs baseline GFLOP/s"]
    return markdown_table(header, rows)


if __name__ == "__main__":
    from tfdefect.console import console_logging

    with console_logging():
        main()
