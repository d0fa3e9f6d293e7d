import gc

import keras
import numpy as np
import pytest
import tensorflow as tf

from tfdefect.data.synthetic.casting import render_casting
from tfdefect.export import export_onnx, export_savedmodel
from tfdefect.models.classifiers import ZOO, ImageClassifier
from tfdefect.registry import create_model, list_models

SIZE = 64
SMALL = {  # test-sized transformers; CNNs keep their real widths
    "vit": {"depth": 2, "dim": 64, "heads": 2, "mlp_dim": 128, "patch_size": 8},
    "deit": {"depth": 2, "dim": 64, "heads": 2, "mlp_dim": 128, "patch_size": 8},
    "swin_t": {"dim": 32, "depths": (2, 2, 2, 2), "heads": (2, 2, 4, 4)},
}


def _castings(count, seed=0):
    rng = np.random.default_rng(seed)
    images = np.stack([render_casting(rng, i % 2 == 1, SIZE)[0] for i in range(count)])
    return images, np.arange(count) % 2


def test_every_backbone_is_registered():
    assert {f"classifier_{a}" for a in ZOO} <= set(list_models())
    model = create_model("classifier_alexnet", image_shape=(32, 32, 1), num_classes=3)
    assert model.backbone_name == "alexnet" and model.output_shape == (None, 3)
    with pytest.raises(ValueError, match="unknown backbone 'vgg'"):
        ImageClassifier("vgg")


@pytest.mark.parametrize("architecture", list(ZOO))
def test_architecture_trains_and_round_trips(architecture, tmp_path):
    keras.utils.set_random_seed(0)
    model = ImageClassifier(
        architecture,
        image_shape=(SIZE, SIZE, 3),
        backbone_options=SMALL.get(architecture),
        batch_norm_momentum=0.0,  # inference uses the step's batch statistics: outputs vary
    )
    images, labels = _castings(4)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    before = [w.numpy().copy() for w in model.trainable_weights]
    history = model.fit(images.astype("float32"), labels, epochs=1, batch_size=4, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    changed = [
        not np.array_equal(a, w.numpy())
        for a, w in zip(before, model.trainable_weights, strict=True)
    ]
    assert all(changed[-2:]) and sum(changed) > len(changed) // 2  # head and most of the backbone

    expected = np.asarray(model.predict_on_batch(images.astype("float32")))
    assert expected.shape == (4, 2) and np.ptp(expected[:, 1]) > 0  # images differ
    # get_config and .keras
    assert ImageClassifier.from_config(model.get_config()).count_params() == model.count_params()
    model.save(str(tmp_path / "m.keras"))
    loaded = keras.saving.load_model(str(tmp_path / "m.keras"))
    np.testing.assert_allclose(
        loaded.predict_on_batch(images.astype("float32")), expected, atol=1e-5
    )
    # SavedModel (its clean-process serving is tests/export/test_serving_contract.py's),
    # ONNX in onnxruntime
    path = export_savedmodel(model, str(tmp_path / architecture), 1, write_models_config=False)
    served = tf.saved_model.load(path).signatures["serving_default"](images=tf.constant(images))
    np.testing.assert_allclose(served["class_probabilities"].numpy(), expected, atol=1e-5)
    assert export_onnx(model, str(tmp_path / f"{architecture}.onnx"), sample_images=images) < 1e-4
    del model, loaded
    keras.backend.clear_session()  # nine architectures in one process: free each one
    gc.collect()


def test_backbone_weights_file_round_trip(tmp_path):
    keras.utils.set_random_seed(1)
    source = ImageClassifier("resnet18", image_shape=(SIZE, SIZE, 3))
    path = source.save_backbone_weights(str(tmp_path / "resnet18.weights.h5"))
    target = ImageClassifier("resnet18", image_shape=(SIZE, SIZE, 3), backbone_weights=path)
    for a, b in zip(source.backbone.weights, target.backbone.weights, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    with pytest.raises(ValueError, match="no ImageNet weights are published"):
        ImageClassifier("luna", image_shape=(SIZE, SIZE, 3), backbone_weights="imagenet")
    with pytest.raises(FileNotFoundError, match="not found"):
        ImageClassifier(
            "vit", image_shape=(SIZE, SIZE, 3), backbone_weights=str(tmp_path / "none.h5")
        )


def test_the_old_argument_names_and_saved_configs_still_load():
    with pytest.warns(DeprecationWarning, match="now backbone="):
        model = ImageClassifier(architecture="luna", image_shape=(SIZE, SIZE, 3))
    assert model.backbone_name == "luna" and model.get_config()["backbone"] == "luna"
    old_config = dict(model.get_config())
    old_config["architecture"] = old_config.pop("backbone")  # as a 0.1 .keras file holds it
    assert ImageClassifier.from_config(old_config).backbone_name == "luna"
