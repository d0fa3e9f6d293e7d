"""Mask R-CNN speed: inference ms/image for Keras, SavedModel and onnxruntime, and
training steps/s, at 224x224x6.

    python bench/mask_rcnn.py                       # ResNet-25 and ResNet50, merge stem
    python bench/mask_rcnn.py --backbones resnet25 --repeats 20

Target (issue 3): ResNet-25 in onnxruntime at batch 1 <= 150 ms/image on 2 CPU cores.
Detections are forced to the maximum (min confidence 0), so mask pasting runs for every
slot: the worst case for post-processing.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np


def bench_backbone(backbone, repeats, train_steps, workdir):
    import keras
    import onnxruntime as ort
    import tensorflow as tf

    from tfdefect.bench.timing import interleaved_median_seconds
    from tfdefect.export import export_onnx, export_savedmodel
    from tfdefect.models.mask_rcnn.mask_rcnn import MaskRCNN

    model = MaskRCNN(
        image_shape=(224, 224, 6),
        backbone=backbone,
        merge_channels=True,
        detection_min_confidence=0.0,
    )
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (8, 224, 224, 6)).astype(np.uint8)
    saved = export_savedmodel(model, os.path.join(workdir, backbone), 1, write_models_config=False)
    onnx_path = os.path.join(workdir, f"{backbone}.onnx")
    difference = export_onnx(model, onnx_path, sample_images=images[:1])
    serving = tf.saved_model.load(saved).signatures["serving_default"]
    session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    print(
        f"\nMask R-CNN {backbone} + merge stem, 224x224x6, {model.count_params():,} "
        f"parameters, ONNX max |diff| {difference:.1e}"
    )
    for batch in (1, 8):
        x = images[:batch]
        tensor = tf.constant(x)
        seconds = interleaved_median_seconds(
            {
                "keras": lambda x=x: model.predict_on_batch(x),
                "savedmodel": lambda t=tensor: serving(images=t),
                "onnxruntime": lambda x=x: session.run(None, {"images": x}),
            },
            repeats,
        )
        for runtime, value in seconds.items():
            print(f"  batch {batch} {runtime:<12} {1000 * value / batch:8.1f} ms/image")

    model.compile(optimizer=keras.optimizers.Adam(1e-4))
    targets = {
        "boxes": np.zeros((4, 8, 4), np.float32),
        "classes": np.zeros((4, 8), np.int32),
        "masks": np.zeros((4, 8, 224, 224), np.uint8),
    }
    targets["boxes"][:, 0] = [0.2, 0.2, 0.28, 0.27]
    targets["classes"][:, 0] = 1
    targets["masks"][:, 0, 45:63, 45:61] = 1
    model.train_on_batch(images[:4], targets)
    started = time.perf_counter()
    for _ in range(train_steps):
        model.train_on_batch(images[:4], targets)
    rate = train_steps / (time.perf_counter() - started)
    print(f"  training: {rate:.2f} steps/s at batch 4 ({4 * rate:.1f} images/s)")


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backbones", nargs="+", default=["resnet25", "resnet50"])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--train-steps", type=int, default=5)
    args = parser.parse_args(argv)
    from tfdefect.bench.machine import describe_machine

    print("machine:", describe_machine())
    with tempfile.TemporaryDirectory() as workdir:
        for backbone in args.backbones:
            bench_backbone(backbone, args.repeats, args.train_steps, workdir)


if __name__ == "__main__":
    main()
