import sys
from unittest import mock

import keras
import numpy as np
import onnx
import onnxruntime as ort

from tfdefect.export import export_onnx
from tfdefect.models.classifiers import ImageClassifier
from tfdefect.quantization import TfliteClassifier, convert_tflite_int8, quantize_onnx_int8


def _images(count, seed):
    """Three easy grey classes at 32 px: dark, bright, striped."""
    rng = np.random.default_rng(seed)
    labels = np.arange(count) % 3
    images = rng.normal(0, 12, (count, 32, 32, 1))
    images[labels == 0] += 60
    images[labels == 1] += 190
    stripes = np.where((np.arange(32) // 4) % 2 == 0, 40, 200)[None, :, None, None]
    images[labels == 2] += stripes.transpose(0, 2, 1, 3)
    return np.clip(images, 0, 255).astype(np.uint8), labels


def test_int8_models_load_and_agree_with_float(tmp_path):
    keras.utils.set_random_seed(0)
    model = ImageClassifier(
        "mobilenetv2",
        num_classes=3,
        image_shape=(32, 32, 1),
        backbone_options={"alpha": 0.35},
        batch_norm_momentum=0.9,
    )
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    train, labels = _images(192, 0)
    model.fit(train.astype("float32"), labels, epochs=12, batch_size=16, verbose=0)
    test, test_labels = _images(30, 1)
    float_predictions = model.predict(test.astype("float32"), verbose=0).argmax(-1)
    assert np.mean(float_predictions == test_labels) > 0.8  # the float model learned

    tflite = convert_tflite_int8(model, train[:48], str(tmp_path / "m_int8.tflite"))
    runner = TfliteClassifier(tflite)
    assert runner.input["dtype"] == np.uint8 and runner.output["dtype"] == np.uint8
    tflite_probabilities = runner.predict(test)
    assert tflite_probabilities.shape == (30, 3)
    # LiteRT's interpreter (the litert extra, installed for the tests) runs the file, and
    # TensorFlow's fallback gives the same numbers
    assert type(runner.interpreter).__module__.startswith("ai_edge_litert")
    with mock.patch.dict(sys.modules, {"ai_edge_litert.interpreter": None}):
        fallback = TfliteClassifier(tflite)
    assert type(fallback.interpreter).__module__.startswith("tensorflow")
    np.testing.assert_array_equal(fallback.predict(test), tflite_probabilities)
    assert np.mean(tflite_probabilities.argmax(-1) == float_predictions) >= 0.9

    float_onnx = str(tmp_path / "m.onnx")
    export_onnx(model, float_onnx, sample_images=test[:2])
    int8_onnx = quantize_onnx_int8(float_onnx, train[:48], str(tmp_path / "m_int8.onnx"))
    ops = {node.op_type for node in onnx.load(int8_onnx).graph.node}
    assert {"QuantizeLinear", "DequantizeLinear"} <= ops
    session = ort.InferenceSession(int8_onnx, providers=["CPUExecutionProvider"])
    onnx_probabilities = session.run(None, {"images": test})[0]
    assert np.mean(onnx_probabilities.argmax(-1) == float_predictions) >= 0.9
    import os

    assert os.path.getsize(tflite) < os.path.getsize(float_onnx) / 2
