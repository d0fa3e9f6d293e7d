import os

import numpy as np
import onnxruntime as ort
import pytest

from tfdefect.export import OnnxParityError, export_onnx
from tfdefect.models.segmenters import ResNet50FPNSegmenter, UNetSegmenter
from tfdefect.models.segmenters.postprocess import segmentation_outputs


@pytest.mark.parametrize(
    "build",
    [
        lambda: UNetSegmenter(image_shape=(32, 32, 6), filters=(4, 8)),
        lambda: UNetSegmenter(image_shape=(32, 32, 6), filters=(4, 8), merge_channels=True),
        lambda: ResNet50FPNSegmenter(image_shape=(64, 64, 6), fpn_channels=16),
    ],
    ids=["unet", "unet_merge", "resnet50_fpn"],
)
def test_onnx_matches_keras(build, tmp_path):
    model = build()
    side = model.input_shape[1]
    images = np.random.default_rng(2).integers(0, 256, (2, side, side, 6)).astype(np.uint8)
    path = str(tmp_path / "model.onnx")
    difference = export_onnx(model, path, sample_images=images, postprocess=segmentation_outputs)
    assert difference < 1e-3
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == ["images"]
    outputs = dict(
        zip(
            [o.name for o in session.get_outputs()],
            session.run(None, {"images": images}),
            strict=True,
        )
    )
    expected = model.predict(images, verbose=0)
    np.testing.assert_allclose(outputs["probabilities"], expected, atol=1e-3)
    assert outputs["class_map"].shape == images.shape[:3]


def test_export_fails_above_tolerance_and_leaves_no_file(tmp_path):
    model = UNetSegmenter(image_shape=(32, 32, 6), filters=(4, 8))
    path = str(tmp_path / "model.onnx")
    with pytest.raises(OnnxParityError, match="differs from Keras"):
        export_onnx(model, path, atol=-1.0)  # any difference, even 0, is above -1
    assert os.listdir(tmp_path) == []


def test_weights_are_initializers_and_the_file_runs_without_keras(tmp_path):
    import onnx

    model = UNetSegmenter(image_shape=(32, 32, 6), filters=(8, 16))
    path = str(tmp_path / "unet.onnx")
    export_onnx(model, path)
    proto = onnx.load(path)
    assert [i.name for i in proto.graph.input] == ["images"]
    weights = [i for i in proto.graph.initializer if i.name.startswith("tfdefect_weight_")]
    largest = max(int(np.prod(v.shape)) for v in model.variables)
    assert max(int(np.prod(w.dims)) for w in weights) == largest
    image = np.random.default_rng(1).integers(0, 256, (1, 32, 32, 6), np.uint8)
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    outputs = dict(zip(names, session.run(None, {"images": image}), strict=True))
    probabilities = outputs["probabilities"]
    expected = model(image.astype(np.float32)).numpy()
    np.testing.assert_allclose(probabilities, expected, atol=1e-4)


def test_weights_past_the_limit_go_to_external_data_beside_the_file(tmp_path, monkeypatch):
    import tfdefect.export.onnx_weights as onnx_weights

    monkeypatch.setattr(onnx_weights, "EXTERNAL_DATA_BYTES", 1)  # as if over 1.5 GiB
    model = UNetSegmenter(image_shape=(32, 32, 6), filters=(8, 256))  # a 2.4 MB kernel
    path = tmp_path / "unet.onnx"
    difference = export_onnx(model, str(path))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["unet.onnx", "unet.onnx.data"]
    assert os.path.getsize(str(path) + ".data") >= 256 * 256 * 9 * 4
    assert difference < 1e-4
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    image = np.zeros((1, 32, 32, 6), np.uint8)
    assert session.run(None, {"images": image})[0].shape[0] == 1
