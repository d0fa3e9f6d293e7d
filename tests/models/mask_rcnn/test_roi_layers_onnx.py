"""The proposal and ROIAlign layers convert to ONNX and match TensorFlow in onnxruntime."""

import numpy as np
import onnxruntime as ort
import tensorflow as tf
import tf2onnx

from tfdefect.models.mask_rcnn.anchors import pyramid_anchors
from tfdefect.models.mask_rcnn.proposal_layer import ProposalLayer
from tfdefect.models.mask_rcnn.pyramid_roi_align import PyramidROIAlign


def test_proposals_and_roi_align_in_onnxruntime(tmp_path):
    anchors = pyramid_anchors((64, 64), (8, 16, 32, 64), (0.5, 1.0, 2.0), (4, 8, 16, 32))
    count = len(anchors)
    proposals = ProposalLayer(anchors, proposal_count=16, pre_nms_limit=64)
    align = PyramidROIAlign(pool_size=3, image_size=(64, 64))
    specs = [
        tf.TensorSpec([None, count], tf.float32, name="scores"),
        tf.TensorSpec([None, count, 4], tf.float32, name="deltas"),
    ]
    specs += [
        tf.TensorSpec([None, 64 // s, 64 // s, 2], tf.float32, name=f"p{level}")
        for level, s in zip(range(2, 6), (4, 8, 16, 32), strict=True)
    ]

    @tf.function(input_signature=specs)
    def pipeline(scores, deltas, p2, p3, p4, p5):
        boxes = proposals([scores, deltas])
        return {"boxes": boxes, "pooled": align([boxes, p2, p3, p4, p5])}

    rng = np.random.default_rng(0)
    feeds = {
        "scores": rng.uniform(size=(2, count)).astype(np.float32),
        "deltas": rng.normal(0, 0.5, (2, count, 4)).astype(np.float32),
    }
    for level, s in zip(range(2, 6), (4, 8, 16, 32), strict=True):
        feeds[f"p{level}"] = rng.normal(size=(2, 64 // s, 64 // s, 2)).astype(np.float32)
    expected = {k: v.numpy() for k, v in pipeline(**feeds).items()}
    path = str(tmp_path / "roi.onnx")
    tf2onnx.convert.from_function(pipeline, input_signature=specs, opset=17, output_path=path)
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    got = dict(zip(names, session.run(None, feeds), strict=True))
    np.testing.assert_allclose(got["boxes"], expected["boxes"], atol=1e-5)
    np.testing.assert_allclose(got["pooled"], expected["pooled"], atol=1e-4)
