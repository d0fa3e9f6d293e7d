import keras
import numpy as np
import onnx
import onnxruntime as ort

from tfdefect.export import export_onnx
from tfdefect.layers.fusable_layer_normalization import FusableLayerNormalization


def _token_model(norm):
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Reshape((16, 12))(keras.layers.Rescaling(1 / 255)(inputs))
    x = keras.layers.Dense(32)(x)
    x = norm(x)
    outputs = keras.layers.Dense(2, activation="softmax")(keras.layers.Flatten()(x))
    return keras.Model(inputs, outputs)


def test_fusable_layer_norm_equals_keras_layer_norm():
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).normal(3.0, 2.0, (2, 5, 7)).astype(np.float32)
    reference = keras.layers.LayerNormalization(epsilon=1e-5)
    fused = FusableLayerNormalization(epsilon=1e-5)
    reference.build(x.shape)
    fused.build(x.shape)
    weights = [np.linspace(0.5, 2, 7).astype(np.float32), np.linspace(-1, 1, 7).astype(np.float32)]
    reference.set_weights(weights)
    fused.set_weights(weights)
    np.testing.assert_allclose(fused(x), reference(x), atol=1e-5)


def test_layer_norm_chain_becomes_one_onnx_layer_normalization(tmp_path):
    keras.utils.set_random_seed(0)
    norm = FusableLayerNormalization(epsilon=1e-6)
    model = _token_model(norm)
    rng = np.random.default_rng(1)
    norm.set_weights([rng.uniform(0.5, 2, 32), rng.normal(size=32)])  # as if trained
    path = str(tmp_path / "m.onnx")
    difference = export_onnx(model, path)
    ops = [n.op_type for n in onnx.load(path).graph.node]
    assert ops.count("LayerNormalization") == 1
    assert "Pow" not in ops and "Sqrt" not in ops
    assert difference < 1e-5
    image = np.random.default_rng(2).integers(0, 256, (3, 8, 8, 3), np.uint8)
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    got = session.run(None, {"images": image})[0]
    np.testing.assert_allclose(got, model(image.astype(np.float32)).numpy(), atol=1e-5)
