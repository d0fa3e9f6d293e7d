"""RPN proposals: top-k anchors by score, box refinement, clipping, NMS."""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from tfdefect.models.mask_rcnn.box_coder import decode_boxes
from tfdefect.serialization import register


@register
class ProposalLayer(keras.layers.Layer):
    """Turns RPN outputs into a fixed number of proposals per image.

    Keeps the ``pre_nms_limit`` best anchors, applies their deltas, clips to the image and
    runs NMS (``tf.image.combined_non_max_suppression`` over one class); rows past the
    valid count are zeros.

    Args:
        anchors: (A, 4) normalised anchors (``pyramid_anchors``).
        proposal_count: proposals per image after NMS.
        pre_nms_limit: anchors kept before NMS.
        nms_threshold: IoU above which the lower-scored box is dropped.

    Inputs: [scores (B, A) foreground probability, deltas (B, A, 4)].
    Output: (B, proposal_count, 4) normalised boxes, best first.
    """

    def __init__(
        self, anchors, proposal_count=200, pre_nms_limit=1000, nms_threshold=0.7, **kwargs
    ):
        super().__init__(**kwargs)
        self.anchors = np.asarray(anchors, np.float32).tolist()
        self.proposal_count = proposal_count
        self.pre_nms_limit = pre_nms_limit
        self.nms_threshold = nms_threshold
        self._anchor_array = np.asarray(anchors, np.float32)

    def call(self, inputs):
        scores, deltas = inputs
        # a constant made inside the traced call is a graph Const (a captured eager tensor
        # would become an extra input of the exported graph)
        anchors = tf.constant(self._anchor_array)
        limit = min(self.pre_nms_limit, len(self._anchor_array))
        top_scores, top_indices = tf.math.top_k(tf.cast(scores, tf.float32), k=limit)
        # non-negative axis: tf2onnx mis-converts negative-axis batched gathers
        top_deltas = tf.gather(tf.cast(deltas, tf.float32), top_indices, axis=1, batch_dims=1)
        top_anchors = tf.gather(anchors, top_indices)
        boxes = tf.clip_by_value(decode_boxes(top_anchors, top_deltas), 0.0, 1.0)
        # one class: combined NMS returns the kept boxes best first, zero rows past the
        # valid count, in one batched op (~3.5x faster here than non_max_suppression_padded)
        return tf.image.combined_non_max_suppression(
            boxes[:, :, None, :],
            top_scores[..., None],
            max_output_size_per_class=self.proposal_count,
            max_total_size=self.proposal_count,
            iou_threshold=self.nms_threshold,
            score_threshold=float("-inf"),
            clip_boxes=False,
        ).nmsed_boxes

    def compute_output_shape(self, input_shapes):
        return (input_shapes[0][0], self.proposal_count, 4)

    def get_config(self):
        config = super().get_config()
        config.update(
            anchors=self.anchors,
            proposal_count=self.proposal_count,
            pre_nms_limit=self.pre_nms_limit,
            nms_threshold=self.nms_threshold,
        )
        return config
