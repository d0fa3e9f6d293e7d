import numpy as np
import tensorflow as tf

from tfdefect.models.mask_rcnn import losses


def test_balanced_rpn_class_loss_weighs_positives_and_negatives_equally():
    labels = tf.constant([[1, 0, 0, 0, -1]])
    # the positive anchor is badly wrong, the negatives are right
    logits = tf.constant([[[2.0, -2.0], [2.0, -2.0], [2.0, -2.0], [2.0, -2.0], [0.0, 9.0]]])
    per_anchor = tf.nn.sparse_softmax_cross_entropy_with_logits([1, 0, 0, 0], logits[0, :4])
    per_anchor = per_anchor.numpy()
    plain = losses.rpn_class_loss(labels, logits).numpy()
    balanced = losses.rpn_class_loss(labels, logits, balanced=True).numpy()
    np.testing.assert_allclose(plain, per_anchor.mean(), rtol=1e-6)
    np.testing.assert_allclose(balanced, per_anchor[0] + per_anchor[1:].mean(), rtol=1e-6)
    # no positives at all: the balanced loss is the negatives' mean, not NaN
    empty = losses.rpn_class_loss(tf.constant([[0, 0, -1, -1, -1]]), logits, balanced=True)
    np.testing.assert_allclose(empty.numpy(), per_anchor[1:3].mean(), rtol=1e-6)
