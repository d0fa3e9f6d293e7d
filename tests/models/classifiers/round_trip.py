"""The round trip every zoo backbone passes (split over two test files, so the two
pytest-xdist workers share the nine architectures)."""

import gc

import keras
import numpy as np
import tensorflow as tf

from tfdefect.datasets.casting.synthetic import render_casting
from tfdefect.export import export_onnx, export_savedmodel
from tfdefect.models.classifiers import ImageClassifier

SIZE = 64
SMALL = {  # test-sized transformers; CNNs keep their real widths
    "vit": {"depth": 2, "dim": 64, "heads": 2, "mlp_dim": 128, "patch_size": 8},
    "deit": {"depth": 2, "dim": 64, "heads": 2, "mlp_dim": 128, "patch_size": 8},
    "swin_t": {"dim": 32, "depths": (2, 2, 2, 2), "heads": (2, 2, 4, 4)},
}


def castings(count, seed=0):
    rng = np.random.default_rng(seed)
    images = np.stack([render_casting(rng, i % 2 == 1, SIZE)[0] for i in range(count)])
    return images, np.arange(count) % 2


def check_trains_and_round_trips(architecture: str, tmp_path) -> None:
    """One training step changes the head and most of the backbone; .keras, SavedModel and
    ONNX give the same probabilities (the model rebuilt from its config by the .keras load)."""
    keras.utils.set_random_seed(0)
    model = ImageClassifier(
        architecture,
        image_shape=(SIZE, SIZE, 3),
        backbone_options=SMALL.get(architecture),
        batch_norm_momentum=0.0,  # inference uses the step's batch statistics: outputs vary
    )
    images, labels = castings(4)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        run_eagerly=True,  # one step: tracing the train function would cost more than it
    )
    before = [w.numpy().copy() for w in model.trainable_weights]
    history = model.fit(images.astype("float32"), labels, epochs=1, batch_size=4, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    changed = [
        not np.array_equal(a, w.numpy())
        for a, w in zip(before, model.trainable_weights, strict=True)
    ]
    assert all(changed[-2:]) and sum(changed) > len(changed) // 2  # head and most of the backbone

    pixels = tf.constant(images.astype("float32"))
    expected = np.asarray(model(pixels, training=False))  # eager: no predict function traced
    assert expected.shape == (4, 2) and np.ptp(expected[:, 1]) > 0  # images differ
    # .keras (rebuilt from get_config)
    model.save(str(tmp_path / "m.keras"))
    loaded = keras.saving.load_model(str(tmp_path / "m.keras"))
    np.testing.assert_allclose(np.asarray(loaded(pixels, training=False)), expected, atol=1e-5)
    # SavedModel (its clean-process serving is tests/export/test_serving_contract.py's),
    # ONNX in onnxruntime
    path = export_savedmodel(model, str(tmp_path / architecture), 1, write_models_config=False)
    served = tf.saved_model.load(path).signatures["serving_default"](images=tf.constant(images))
    np.testing.assert_allclose(served["class_probabilities"].numpy(), expected, atol=1e-5)
    assert export_onnx(model, str(tmp_path / f"{architecture}.onnx"), sample_images=images) < 1e-4
    del model, loaded
    keras.backend.clear_session()  # nine architectures in one process: free each one
    gc.collect()
