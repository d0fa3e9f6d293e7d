"""Matterport-style Mask R-CNN: ``MaskRCNN`` and its building blocks, one per file.

Boxes are (y1, x1, y2, x2) in normalised image coordinates [0, 1] throughout, as in
``tf.image.crop_and_resize`` and Matterport's graph.
"""

from tfdefect.models.mask_rcnn.mask_rcnn import MaskRCNN
from tfdefect.models.mask_rcnn.presets import MASK_RCNN_DEFAULTS

__all__ = ["MASK_RCNN_DEFAULTS", "MaskRCNN"]
