import keras
import numpy as np

from tfdefect.datasets.smt_pairs.synthetic import DEFECT_CLASSES, render_pair
from tfdefect.models.mpb3 import MPB3, compile_mpb3

SIZE = 32


def _pairs(count, seed=0):
    """Pairs of SOIC8 crops at 32 px: half ok, half missing parts."""
    rng = np.random.default_rng(seed)
    references, tests, classes = [], [], []
    for i in range(count):
        defect = "ok" if i % 2 == 0 else "missing"
        reference, test = render_pair(rng, "SOIC8", defect, size=SIZE)
        references.append(reference)
        tests.append(test)
        classes.append(DEFECT_CLASSES.index(defect))
    classes = np.array(classes)
    inputs = {"reference": np.stack(references), "test": np.stack(tests)}
    return inputs, {"ng": (classes > 0).astype("float32")[:, None], "defect_class": classes}


def test_outputs_and_shared_branch():
    model = MPB3(image_shape=(SIZE, SIZE, 3))
    inputs, _ = _pairs(4)
    outputs = model(inputs)
    assert outputs["ng"].shape == (4, 1) and outputs["defect_class"].shape == (4, 9)
    np.testing.assert_allclose(outputs["defect_class"].numpy().sum(-1), 1.0, rtol=1e-5)
    # one ResNet18 serves both inputs: the parameter count is one backbone plus the heads
    branch = model.get_layer("branch")
    assert sum(1 for layer in model.layers if layer is branch) == 1
    assert model.count_params() == branch.count_params() + sum(
        model.get_layer(name).count_params() for name in ("hidden", "ng", "defect_class")
    )


def test_joint_training_learns_a_small_set():
    keras.utils.set_random_seed(0)
    model = compile_mpb3(MPB3(image_shape=(SIZE, SIZE, 3), dropout=0.0), learning_rate=1e-3)
    inputs, targets = _pairs(16)
    first = model.evaluate(inputs, targets, verbose=0, return_dict=True)["loss"]
    model.fit(inputs, targets, epochs=15, batch_size=8, verbose=0)
    last = model.evaluate(inputs, targets, verbose=0, return_dict=True)
    assert last["loss"] < first / 3
    predicted = model.predict(inputs, verbose=0)
    np.testing.assert_array_equal(predicted["ng"][:, 0] > 0.5, targets["ng"][:, 0] > 0.5)


def test_keras_file_round_trip(tmp_path):
    model = MPB3(image_shape=(SIZE, SIZE, 3))
    inputs, _ = _pairs(2)
    path = str(tmp_path / "mpb3.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    for key in ("ng", "defect_class"):
        np.testing.assert_allclose(loaded(inputs)[key], model(inputs)[key], rtol=1e-5, atol=1e-6)
    assert loaded.get_config() == model.get_config()


def test_pair_export_savedmodel_and_onnx_match_keras(tmp_path):
    import json
    import subprocess
    import sys

    import onnxruntime as ort

    from tfdefect.export import export_onnx, export_savedmodel

    model = MPB3(image_shape=(SIZE, SIZE, 3))
    inputs, _ = _pairs(2, seed=3)
    expected = {k: np.asarray(v) for k, v in model(inputs).items()}
    path = export_savedmodel(model, str(tmp_path / "mpb3"), version=1)
    np.save(tmp_path / "reference.npy", inputs["reference"])
    np.save(tmp_path / "test.npy", inputs["test"])
    client = (
        "import json, sys, numpy as np, tensorflow as tf\n"
        "s = tf.saved_model.load(sys.argv[1]).signatures['serving_default']\n"
        "load = lambda i: tf.constant(np.load(sys.argv[i]))\n"
        "out = s(reference=load(2), test=load(3))\n"
        "print(json.dumps({k: v.numpy().tolist() for k, v in out.items()}))\n"
    )
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            client,
            path,
            str(tmp_path / "reference.npy"),
            str(tmp_path / "test.npy"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    served = json.loads(result.stdout.strip().splitlines()[-1])
    for key in ("ng", "defect_class"):
        np.testing.assert_allclose(served[key], expected[key], atol=1e-5)
    onnx_path = str(tmp_path / "mpb3.onnx")
    assert export_onnx(model, onnx_path, sample_images=inputs) < 1e-4
    session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    assert sorted(i.name for i in session.get_inputs()) == ["reference", "test"]
    names = [o.name for o in session.get_outputs()]
    got = dict(zip(names, session.run(None, inputs), strict=True))
    np.testing.assert_allclose(got["ng"], expected["ng"], atol=1e-5)
