"""How fast Mask R-CNN learns from random weights: test mAP every N training steps.

    python bench/mask_rcnn_learning.py                                  # recipe defaults
    python bench/mask_rcnn_learning.py --jittered-rois 0 --steps 600    # ablation
    python bench/mask_rcnn_learning.py --lr-decay cosine --warmup 100 --learning-rate 1e-3

Settings are chosen on the validation split (``--split validation``, the default: 48
chips); ``--split test`` repeats a chosen setting on the test chips.

Trains one variant (ResNet-25, 3 channels by default) on crops of synthetic chips6 and,
every ``--every`` steps, copies the weights into a whole-chip model and prints the losses,
mask and box mAP@0.5 and instance / image F1 (score 0.5) on the evaluated chips. This is the
loop behind the learning-curve figures of docs/systems/mask-rcnn.md; it takes ~0.5 s per
step on 2 CPU cores.
"""

from __future__ import annotations

import argparse
import os
import platform
import time


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backbone", default="resnet25", choices=["resnet25", "resnet50"])
    parser.add_argument("--crop", type=int, default=96, help="training crop side (pixels)")
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--every", type=int, default=300)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--learning-rate", type=float, default=5e-4)
    parser.add_argument("--train-chips", type=int, default=256)
    parser.add_argument("--test-chips", type=int, default=48)
    parser.add_argument("--rpn-positive-iou", type=float, default=0.5)
    parser.add_argument("--jittered-rois", type=int, default=4)
    parser.add_argument(
        "--rpn-balanced-loss",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="RPN objectness: mean over positives plus mean over negatives (the default); "
        "--no-rpn-balanced-loss: Matterport's mean over all sampled anchors",
    )
    parser.add_argument("--anchor-preset", default="chips6", help="ANCHOR_PRESETS entry")
    parser.add_argument("--lr-decay", default="constant", choices=["constant", "cosine"])
    parser.add_argument("--warmup", type=int, default=0, help="linear warm-up steps")
    parser.add_argument("--seed", type=int, default=0, help="weights, data order, crops")
    parser.add_argument("--split", default="validation", choices=["validation", "test"])
    parser.add_argument("--validation-chips", type=int, default=48)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    import keras

    from tfdefect.data.channel_selection import first_channels
    from tfdefect.data.detection_pipeline import detection_pipeline
    from tfdefect.datasets.chips6.data_config import Chips6DataConfig
    from tfdefect.datasets.chips6.names import CLASS_NAMES
    from tfdefect.evaluation.detection import (
        EVALUATION_MIN_CONFIDENCE,
        evaluate_detector,
    )
    from tfdefect.models.mask_rcnn.mask_rcnn import MaskRCNN
    from tfdefect.training.learning_rate import learning_rate_for
    from tfdefect.training.train_config import TrainConfig

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs")
    print(f"settings: {vars(args)}", flush=True)
    data = Chips6DataConfig(
        num_train=args.train_chips, num_validation=args.validation_chips, num_test=args.test_chips
    )
    builder = data.prepare()
    train = detection_pipeline(
        builder.as_dataset(split="train"),
        batch_size=args.batch,
        training=True,
        seed=args.seed,
        crop_size=args.crop,
    )
    train = first_channels(train, 3).repeat()
    test = detection_pipeline(builder.as_dataset(split=args.split), batch_size=4, training=False)
    settings = dict(
        num_classes=4,
        backbone=args.backbone,
        train_rois=32,
        mask_channels=64,
        rpn_positive_iou=args.rpn_positive_iou,
        jittered_rois=args.jittered_rois,
        rpn_balanced_loss=args.rpn_balanced_loss,
        anchor_preset=args.anchor_preset,
        detection_min_confidence=EVALUATION_MIN_CONFIDENCE,
    )
    keras.utils.set_random_seed(args.seed)
    trained = MaskRCNN(image_shape=(args.crop, args.crop, 3), **settings)
    schedule = TrainConfig(
        learning_rate=args.learning_rate, warmup_steps=args.warmup, lr_decay=args.lr_decay
    )
    rate = learning_rate_for(schedule, args.steps)
    trained.compile(optimizer=keras.optimizers.Adam(rate, clipnorm=5.0))
    whole = MaskRCNN(image_shape=(data.image_size, data.image_size, 3), **settings)
    started, done, train_seconds = time.time(), 0, 0.0
    while done < args.steps:
        step_start = time.time()
        history = trained.fit(train, steps_per_epoch=args.every, epochs=1, verbose=0).history
        train_seconds += time.time() - step_start
        done += args.every
        whole.set_weights(trained.get_weights())
        result, _ = evaluate_detector(whole, test, CLASS_NAMES[1:], 0.5, max_plots=0)
        losses = " ".join(f"{k}={v[-1]:.3f}" for k, v in history.items())
        print(
            f"step {done}: mask mAP@0.5 {result['map50']:.3f} box mAP@0.5 "
            f"{result['bbox_map50']:.3f} instance F1 {result['instance_f1']:.3f} (P "
            f"{result['instance_precision']:.2f} R {result['instance_recall']:.2f}) image F1 "
            f"{result['image_f1']:.3f} | {losses} | train {train_seconds / done:.2f} s/step, "
            f"{time.time() - started:.0f} s in all",
            flush=True,
        )


if __name__ == "__main__":
    from tfdefect.console import console_logging

    with console_logging():
        main()
