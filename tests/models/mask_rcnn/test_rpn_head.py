import numpy as np

from tfdefect.models.mask_rcnn.anchors import pyramid_anchors
from tfdefect.models.mask_rcnn.rpn_head import RPNHead

STRIDES = (4, 8, 16, 32, 64)


def _features(size=64, channels=8):
    rng = np.random.default_rng(0)
    return [
        rng.normal(size=(2, -(-size // s), -(-size // s), channels)).astype(np.float32)
        for s in STRIDES
    ]


def test_one_output_per_anchor_in_anchor_order():
    features = _features()
    head = RPNHead(anchors_per_location=3, channels=16)
    logits, probabilities, deltas = head(features)
    anchors = pyramid_anchors((64, 64), (8, 16, 32, 64, 128), (0.5, 1.0, 2.0), STRIDES)
    assert logits.shape == (2, len(anchors), 2) and deltas.shape == (2, len(anchors), 4)
    np.testing.assert_allclose(np.sum(probabilities, -1), 1.0, atol=1e-6)
    # the P2 block comes first: its logits are the classifier applied to P2 alone
    p2_count = 16 * 16 * 3
    alone, _, _ = head([features[0]])
    np.testing.assert_allclose(logits[:, :p2_count], alone, atol=1e-5)


def test_weights_are_shared_across_levels_and_config_round_trips():
    head = RPNHead(anchors_per_location=3, channels=16)
    head(_features())
    assert len(head.trainable_weights) == 6  # one conv trio, whatever the number of levels
    clone = RPNHead.from_config(head.get_config())
    assert clone.get_config() == head.get_config()
