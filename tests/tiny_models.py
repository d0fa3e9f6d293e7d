"""Tiny random-weight models of the five systems (32-64 px), for export contract tests."""

import numpy as np
import tensorflow as tf


def segmenter():
    from tfdefect.models.segmenters import UNetSegmenter

    return UNetSegmenter(image_shape=(32, 32, 6), filters=(4, 8))


def mask_rcnn():
    from tfdefect.models.mask_rcnn.mask_rcnn import MaskRCNN

    return MaskRCNN(
        image_shape=(64, 64, 3),
        backbone="resnet25",
        proposals_inference=16,
        max_detections=4,
        detection_min_confidence=0.0,
    )


def padim():
    from tfdefect.models.padim import Padim

    model = Padim("resnet18", (32, 32, 3), embedding_dims=8, sigma=2.0)
    images = np.random.default_rng(0).integers(0, 256, (6, 32, 32, 3)).astype(np.uint8)
    model.fit_gaussian(tf.data.Dataset.from_tensor_slices(images).batch(3), verbose=False)
    return model


def classifier():
    from tfdefect.models.classifiers import ImageClassifier

    return ImageClassifier("luna", image_shape=(32, 32, 1), num_classes=3)


def mpb3():
    from tfdefect.models.mpb3 import MPB3

    return MPB3(image_shape=(32, 32, 3))


def mpb3_cached():
    from tfdefect.models.mpb3 import CachedReferenceMPB3

    references = np.random.default_rng(1).integers(0, 256, (3, 32, 32, 3)).astype(np.uint8)
    return CachedReferenceMPB3.from_mpb3(mpb3(), references)


SYSTEMS = {
    "segmentation": segmenter,
    "detection": mask_rcnn,
    "anomaly": padim,
    "classification": classifier,
    "pair": mpb3,
    "pair_cached": mpb3_cached,
}
