"""Matterport-style Mask R-CNN for any channel count, trained with ``model.fit``."""

from __future__ import annotations

import keras
import tensorflow as tf

from tfdefect.backbones.channel_merge import ChannelMergeStem
from tfdefect.backbones.input_normalization import normalization_for
from tfdefect.backbones.pretrained import is_torch_checkpoint
from tfdefect.backbones.resnet50 import ResNet50Backbone
from tfdefect.backbones.resnet_bottleneck import ResNetBackbone
from tfdefect.layers.image_normalization import ImageNormalization
from tfdefect.models.mask_rcnn import losses
from tfdefect.models.mask_rcnn.anchors import (
    ANCHOR_PRESETS,
    anchors_per_location,
    pyramid_anchors,
)
from tfdefect.models.mask_rcnn.box_head import BoxHead
from tfdefect.models.mask_rcnn.detection_layer import DetectionLayer, paste_masks
from tfdefect.models.mask_rcnn.detection_targets import detection_targets, max_positive_rois
from tfdefect.models.mask_rcnn.feature_pyramid import FeaturePyramid
from tfdefect.models.mask_rcnn.mask_head import MaskHead
from tfdefect.models.mask_rcnn.presets import CHIPS_LOSS_WEIGHTS, MASK_RCNN_DEFAULTS
from tfdefect.models.mask_rcnn.proposal_layer import ProposalLayer
from tfdefect.models.mask_rcnn.pyramid_roi_align import PyramidROIAlign
from tfdefect.models.mask_rcnn.rpn_head import RPNHead
from tfdefect.models.mask_rcnn.rpn_targets import rpn_targets
from tfdefect.registry import register_model
from tfdefect.serialization import register

BACKBONES = ("resnet50", "resnet25")


@register_model("detector_mask_rcnn", aliases=("mask_rcnn",))
@register
class MaskRCNN(keras.Model):
    """Mask R-CNN (He et al. 2017) in the shape of Matterport's implementation.

    normalise -> [ChannelMergeStem C->3] -> ResNet50 / ResNet-25 -> FPN P2..P6 -> RPN ->
    proposals -> ROIAlign -> box head (classes, per-class deltas) and mask head (28x28).

    Training (``fit`` on ``(images, targets)``): RPN and detection targets are built in the
    graph from ``targets = {"boxes": (B, G, 4) normalised, "classes": (B, G) int32 with 0
    padding, "masks": (B, G, H, W) uint8}``; loss = weighted sum of RPN class/box and
    ROI class/box/mask losses (``loss_weights``, default class:box:mask = 2:1:1). Images
    without any defect train the RPN and the ROI classifier on background.

    Args:
        num_classes: K including background (4 for chips6: bump, dent, dot).
        image_shape: (H, W, C), H and W multiples of 32 (224 for chips6).
        backbone: "resnet50" (keras.applications) or "resnet25" (2-2-2-2 bottlenecks).
        backbone_weights: None, "imagenet" (resnet50, 3 channels) or a weights path (for
            resnet25 also a torch ``.safetensors`` / converted file: torch layout, torch's
            ImageNet normalisation).
        backbone_torch_layout: ResNet-25 in torch's layout (None: when the weights need it).
        merge_channels / merge_weights: ChannelMergeStem C -> 3 and its pretrained file.
        loss_weights: dict over rpn_class, rpn_box, class, box, mask.
        other arguments: see ``MASK_RCNN_DEFAULTS``.

    Inference ``model(images)`` with images (B, H, W, C) pixel values returns a dict:
    boxes (B, D, 4) normalised y1, x1, y2, x2; class_ids (B, D) int32 (0 = no detection);
    scores (B, D); masks (B, D, H, W) uint8 at image resolution; num_detections (B,) int32.
    """

    task = "detection"  # what the exports and `tfdefect.load` serve it as

    def __init__(
        self,
        num_classes=4,
        image_shape=(224, 224, 6),
        backbone="resnet50",
        backbone_weights=None,
        backbone_torch_layout=None,
        merge_channels=False,
        merge_weights=None,
        loss_weights=None,
        normalization=None,
        anchor_preset=MASK_RCNN_DEFAULTS["anchor_preset"],
        fpn_channels=MASK_RCNN_DEFAULTS["fpn_channels"],
        rpn_train_anchors=MASK_RCNN_DEFAULTS["rpn_train_anchors"],
        rpn_positive_iou=MASK_RCNN_DEFAULTS["rpn_positive_iou"],
        rpn_balanced_loss=MASK_RCNN_DEFAULTS["rpn_balanced_loss"],
        train_rois=MASK_RCNN_DEFAULTS["train_rois"],
        jittered_rois=MASK_RCNN_DEFAULTS["jittered_rois"],
        mask_channels=MASK_RCNN_DEFAULTS["mask_channels"],
        proposals_train=MASK_RCNN_DEFAULTS["proposals_train"],
        proposals_inference=MASK_RCNN_DEFAULTS["proposals_inference"],
        max_detections=MASK_RCNN_DEFAULTS["max_detections"],
        detection_min_confidence=MASK_RCNN_DEFAULTS["detection_min_confidence"],
        detection_nms_threshold=MASK_RCNN_DEFAULTS["detection_nms_threshold"],
        **kwargs,
    ):
        super().__init__(**kwargs)
        height, width, channels = image_shape
        if height % 32 or width % 32:
            raise ValueError(
                f"image_shape {image_shape}: height and width must be multiples of 32 "
                "(P5 has stride 32; P6 and its anchors cover ceil(H / 64) cells)"
            )
        if backbone not in BACKBONES:
            raise ValueError(f"unknown backbone {backbone!r}; valid: {', '.join(BACKBONES)}")
        # === Config ===
        self.num_classes = num_classes
        self.image_shape = tuple(image_shape)
        self.backbone_name = backbone
        self.merge_channels = merge_channels
        self.loss_weights = dict(CHIPS_LOSS_WEIGHTS, **(loss_weights or {}))
        self.normalization = normalization or normalization_for(backbone_weights)
        if backbone_torch_layout is None:
            backbone_torch_layout = backbone != "resnet50" and is_torch_checkpoint(backbone_weights)
        self.backbone_torch_layout = bool(backbone_torch_layout)
        self.anchor_preset = anchor_preset
        self.fpn_channels = fpn_channels
        self.rpn_train_anchors = rpn_train_anchors
        self.rpn_positive_iou = rpn_positive_iou
        self.rpn_balanced_loss = rpn_balanced_loss
        self.train_rois = train_rois
        self.jittered_rois = jittered_rois
        self.mask_channels = mask_channels
        self.proposals_train = proposals_train
        self.proposals_inference = proposals_inference
        self.max_detections = max_detections
        self.detection_min_confidence = detection_min_confidence
        self.detection_nms_threshold = detection_nms_threshold
        # === Layers ===
        preset = ANCHOR_PRESETS[anchor_preset]
        self.anchors = pyramid_anchors((height, width), **preset)
        backbone_channels = 3 if merge_channels else channels
        self.normalize = ImageNormalization(**self.normalization, name="normalize")
        self.merge = (
            ChannelMergeStem(input_channels=channels, weights=merge_weights, name="channel_merge")
            if merge_channels
            else None
        )
        if backbone == "resnet50":
            self.backbone = ResNet50Backbone(
                input_channels=backbone_channels, weights=backbone_weights, name="backbone"
            )
        else:
            self.backbone = ResNetBackbone(
                "resnet25",
                input_channels=backbone_channels,
                weights=backbone_weights,
                torch_compatible=self.backbone_torch_layout,
                name="backbone",
            )
        self.fpn = FeaturePyramid(fpn_channels, name="fpn")
        self.rpn = RPNHead(anchors_per_location(preset), fpn_channels, name="rpn")
        self.proposals_for_training = ProposalLayer(
            self.anchors, proposals_train, name="proposals_train"
        )
        self.proposals_for_inference = ProposalLayer(
            self.anchors, proposals_inference, name="proposals_inference"
        )
        self.box_align = PyramidROIAlign(7, (height, width), name="roi_align_box")
        self.mask_align = PyramidROIAlign(14, (height, width), name="roi_align_mask")
        self.box_head = BoxHead(num_classes, name="box_head")
        self.mask_head = MaskHead(num_classes, mask_channels, name="mask_head")
        self.detect = DetectionLayer(
            max_detections, detection_min_confidence, detection_nms_threshold, name="detections"
        )
        self.trackers = {"loss": keras.metrics.Mean(name="loss")}
        for part in self.loss_weights:
            self.trackers[part] = keras.metrics.Mean(name=f"{part}_loss")
        self(tf.zeros((1, height, width, channels)))  # build every weight

    def build(self, input_shape):
        # every weight is created by the call on zeros at the end of __init__
        self.built = True

    def pyramid(self, images, training=False):
        """[P2..P6] features of (B, H, W, C) pixel values."""
        x = self.normalize(images)
        if self.merge is not None:
            x = self.merge(x, training=training)
        return self.fpn(self.backbone(x, training=training))

    def call(self, images, training=False):
        features = self.pyramid(images, training=training)
        _, rpn_probabilities, rpn_deltas = self.rpn(features)
        rois = self.proposals_for_inference([rpn_probabilities[..., 1], rpn_deltas])
        _, probabilities, deltas = self.box_head(self.box_align([rois, *features[:4]]))
        boxes, class_ids, scores, count = self.detect([rois, probabilities, deltas])
        mask_boxes, mask_classes = self.valid_detection_slots(boxes, class_ids, count)
        masks = self.mask_head(self.mask_align([mask_boxes, *features[:4]]))
        return {
            "boxes": boxes,
            "class_ids": class_ids,
            "scores": scores,
            "masks": self.pasted_masks(self.class_masks(masks, mask_classes), mask_boxes),
            "num_detections": count,
        }

    def valid_detection_slots(self, boxes, class_ids, count):
        """Boxes (B, V, 4) and class ids (B, V) of the detection slots that hold a
        detection in some image of the batch (V = max(count), at most D); the mask head
        and pasting run on these only."""
        slots = tf.maximum(tf.reduce_max(count), 1)  # one slot even when none: no 0-size convs
        return boxes[:, :slots], class_ids[:, :slots]

    def class_masks(self, masks, class_ids):
        """(B, V, m, m) mask of each slot's own class from (B, V, m, m, K) head outputs."""
        return tf.gather(tf.transpose(masks, [0, 1, 4, 2, 3]), class_ids, axis=2, batch_dims=2)

    def pasted_masks(self, masks, mask_boxes):
        """(B, D, H, W) uint8 image masks, D = max_detections, from (B, V, m, m) slot masks
        in ``mask_boxes`` (B, V, 4); slots past V (no detection in any image) are zeros."""
        height, width = self.image_shape[:2]
        pasted = paste_masks(masks, mask_boxes, height, width)
        missing = self.max_detections - tf.shape(mask_boxes)[1]
        return tf.pad(pasted, [[0, 0], [0, missing], [0, 0], [0, 0]])

    def compute_losses(self, images, targets, training):
        """Dict of the five unweighted losses for a batch."""
        features = self.pyramid(images, training=training)
        rpn_logits, rpn_probabilities, rpn_deltas = self.rpn(features)
        anchor_labels, anchor_deltas = rpn_targets(
            self.anchors,
            targets["boxes"],
            targets["classes"],
            train_anchors=self.rpn_train_anchors,
            positive_iou=self.rpn_positive_iou,
        )
        proposals = tf.stop_gradient(
            self.proposals_for_training([rpn_probabilities[..., 1], rpn_deltas])
        )
        rois, weights, class_ids, roi_deltas, roi_masks = detection_targets(
            proposals,
            targets["boxes"],
            targets["classes"],
            targets["masks"],
            train_rois=self.train_rois,
            jittered_rois=self.jittered_rois,
        )
        logits, _, deltas = self.box_head(self.box_align([rois, *features[:4]]))
        # positives come first and fill at most max_positive_rois rows: the mask loss only
        # sees those, so the mask head runs on them alone
        positives = max_positive_rois(self.train_rois)
        masks = self.mask_head(self.mask_align([rois[:, :positives], *features[:4]]))
        return {
            "rpn_class": losses.rpn_class_loss(
                anchor_labels, rpn_logits, balanced=self.rpn_balanced_loss
            ),
            "rpn_box": losses.rpn_box_loss(anchor_labels, anchor_deltas, rpn_deltas),
            "class": losses.roi_class_loss(class_ids, weights, logits),
            "box": losses.roi_box_loss(class_ids, roi_deltas, deltas),
            "mask": losses.roi_mask_loss(class_ids[:, :positives], roi_masks[:, :positives], masks),
        }

    def _update_trackers(self, parts, total):
        self.trackers["loss"].update_state(total)
        for name, value in parts.items():
            self.trackers[name].update_state(value)
        return {tracker.name: tracker.result() for tracker in self.trackers.values()}

    def _total(self, parts):
        return tf.add_n([self.loss_weights[name] * value for name, value in parts.items()])

    def train_step(self, data):
        images, targets, _ = keras.utils.unpack_x_y_sample_weight(data)
        with tf.GradientTape() as tape:
            parts = self.compute_losses(tf.cast(images, tf.float32), targets, training=True)
            total = self._total(parts)
        gradients = tape.gradient(total, self.trainable_variables)
        self.optimizer.apply_gradients(
            [
                (g, v)
                for g, v in zip(gradients, self.trainable_variables, strict=True)
                if g is not None
            ]
        )
        return self._update_trackers(parts, total)

    def test_step(self, data):
        images, targets, _ = keras.utils.unpack_x_y_sample_weight(data)
        parts = self.compute_losses(tf.cast(images, tf.float32), targets, training=False)
        return self._update_trackers(parts, self._total(parts))

    @property
    def metrics(self):
        return list(self.trackers.values())

    def get_config(self):
        return {
            "num_classes": self.num_classes,
            "image_shape": self.image_shape,
            "backbone": self.backbone_name,
            "merge_channels": self.merge_channels,
            "backbone_torch_layout": self.backbone_torch_layout,
            "loss_weights": self.loss_weights,
            "normalization": self.normalization,
            "anchor_preset": self.anchor_preset,
            "fpn_channels": self.fpn_channels,
            "rpn_train_anchors": self.rpn_train_anchors,
            "rpn_positive_iou": self.rpn_positive_iou,
            "rpn_balanced_loss": self.rpn_balanced_loss,
            "train_rois": self.train_rois,
            "jittered_rois": self.jittered_rois,
            "mask_channels": self.mask_channels,
            "proposals_train": self.proposals_train,
            "proposals_inference": self.proposals_inference,
            "max_detections": self.max_detections,
            "detection_min_confidence": self.detection_min_confidence,
            "detection_nms_threshold": self.detection_nms_threshold,
            "name": self.name,
            "trainable": self.trainable,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
