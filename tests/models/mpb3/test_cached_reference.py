import keras
import numpy as np
import pytest

from tfdefect.datasets.smt_pairs.synthetic import POSITIONS, render_pair
from tfdefect.models.mpb3 import MPB3, CachedReferenceMPB3

POSITION_NAMES = sorted(POSITIONS)
SIZE = 32


def _line(count, seed=0):
    """One gold reference per position and ``count`` test crops with their position ids."""
    rng = np.random.default_rng(seed)
    references = np.stack([render_pair(rng, p, "ok", size=SIZE)[0] for p in POSITION_NAMES])
    position_ids = np.arange(count, dtype="int32") % len(POSITION_NAMES)
    tests = np.stack(
        [
            render_pair(rng, POSITION_NAMES[i], "missing" if i % 2 else "ok", SIZE)[1]
            for i in position_ids
        ]
    )
    return references, tests, position_ids


def _trained_like_model():
    """An MPB3 whose head weights are not at initialisation (so copying them matters)."""
    keras.utils.set_random_seed(1)
    model = MPB3(image_shape=(SIZE, SIZE, 3))
    for name in ("hidden", "ng", "defect_class"):
        layer = model.get_layer(name)
        layer.set_weights(
            [w + np.random.default_rng(2).normal(0, 0.05, w.shape) for w in layer.get_weights()]
        )
    return model


def test_cached_reference_matches_the_pair_model():
    model = _trained_like_model()
    references, tests, position_ids = _line(8)
    cached = CachedReferenceMPB3.from_mpb3(model, references)
    expected = model({"reference": references[position_ids].astype("float32"), "test": tests})
    got = cached({"test": tests.astype("float32"), "position_id": position_ids})
    for key in ("ng", "defect_class"):
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-4, atol=1e-5)
    # only the test branch has weights of its own besides the frozen reference table
    assert cached.count_params() == model.count_params() + len(POSITION_NAMES) * 512
    assert not cached.get_layer("reference_embeddings").trainable


def test_cached_reference_rejects_references_of_another_size():
    model = MPB3(image_shape=(SIZE, SIZE, 3))
    with pytest.raises(ValueError, match="reference_images must be"):
        CachedReferenceMPB3.from_mpb3(model, np.zeros((2, 48, 48, 3)))


def test_cached_reference_keras_savedmodel_and_onnx(tmp_path):
    import tensorflow as tf

    from tfdefect.export import export_onnx, export_savedmodel

    model = _trained_like_model()
    references, tests, position_ids = _line(4, seed=5)
    cached = CachedReferenceMPB3.from_mpb3(model, references)
    inputs = {"test": tests, "position_id": position_ids}
    expected = {k: np.asarray(v) for k, v in cached(inputs).items()}
    cached.save(str(tmp_path / "cached.keras"))
    loaded = keras.saving.load_model(str(tmp_path / "cached.keras"))
    np.testing.assert_allclose(loaded(inputs)["ng"], expected["ng"], atol=1e-6)
    assert loaded.get_config() == cached.get_config()

    path = export_savedmodel(cached, str(tmp_path / "cached"), version=1)
    served = tf.saved_model.load(path)
    by_array = served.signatures["serving_default"](
        test=tf.constant(tests), position_id=tf.constant(position_ids)
    )
    encoded = [tf.io.encode_png(t).numpy() for t in tests]
    by_bytes = served.signatures["serving_bytes"](
        encoded_test=tf.constant(encoded), position_id=tf.constant(position_ids)
    )
    for outputs in (by_array, by_bytes):
        np.testing.assert_allclose(outputs["ng"].numpy(), expected["ng"], atol=1e-5)

    import onnxruntime as ort

    onnx_path = str(tmp_path / "cached.onnx")
    assert export_onnx(cached, onnx_path, sample_images=inputs) < 1e-4
    session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    assert {i.name: i.type for i in session.get_inputs()} == {
        "test": "tensor(uint8)",
        "position_id": "tensor(int32)",
    }
    names = [o.name for o in session.get_outputs()]
    got = dict(zip(names, session.run(None, inputs), strict=True))
    np.testing.assert_allclose(got["defect_class"], expected["defect_class"], atol=1e-5)
