import keras
import numpy as np
import pytest

from tests.models.classifiers.round_trip import SIZE, check_trains_and_round_trips
from tfdefect.models.classifiers import ZOO, ImageClassifier
from tfdefect.registry import create_model, list_models

# the other half runs in test_zoo_round_trips.py (the other pytest-xdist worker)
FIRST_HALF = ("convnext", "mobilenetv2", "resnet18", "vit", "luna")


def test_every_backbone_is_registered():
    assert {f"classifier_{a}" for a in ZOO} <= set(list_models())
    model = create_model("classifier_alexnet", image_shape=(32, 32, 1), num_classes=3)
    assert model.backbone_name == "alexnet" and model.output_shape == (None, 3)
    with pytest.raises(ValueError, match="unknown backbone 'vgg'"):
        ImageClassifier("vgg")


@pytest.mark.parametrize("architecture", FIRST_HALF)
def test_architecture_trains_and_round_trips(architecture, tmp_path):
    check_trains_and_round_trips(architecture, tmp_path)


def test_backbone_weights_file_round_trip(tmp_path):
    keras.utils.set_random_seed(1)
    source = ImageClassifier("resnet18", image_shape=(SIZE, SIZE, 3))
    path = source.save_backbone_weights(str(tmp_path / "resnet18.weights.h5"))
    target = ImageClassifier("resnet18", image_shape=(SIZE, SIZE, 3), backbone_weights=path)
    for a, b in zip(source.backbone.weights, target.backbone.weights, strict=True):
        np.testing.assert_array_equal(a.numpy(), b.numpy())
    with pytest.raises(ValueError, match="ImageNet weights are published"):
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


def test_max_pooling_head_round_trips_and_unknown_pooling_is_refused(tmp_path):
    model = ImageClassifier("luna", num_classes=3, image_shape=(32, 32, 1), pooling="max")
    assert isinstance(model.get_layer("head_pool"), keras.layers.GlobalMaxPooling2D)
    path = str(tmp_path / "max.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    images = np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 1)).astype("float32")
    assert loaded.pooling == "max"
    np.testing.assert_allclose(loaded.predict(images, verbose=0), model.predict(images, verbose=0))
    with pytest.raises(ValueError, match="pooling 'min'"):
        ImageClassifier("luna", image_shape=(32, 32, 1), pooling="min")


def test_resnet18_takes_grey_images_normalised_by_the_mean_imagenet_statistics():
    from tfdefect.constants import IMAGENET_MEAN, IMAGENET_STD

    model = ImageClassifier("resnet18", num_classes=3, image_shape=(32, 32, 1))
    normalize = model.backbone.get_layer("stem_normalize")
    grey_mean = np.full((1, 32, 32, 1), np.mean(IMAGENET_MEAN), "float32")
    np.testing.assert_allclose(normalize(grey_mean).numpy(), 0.0, atol=1e-5)
    assert normalize.std == pytest.approx(np.mean(IMAGENET_STD))
    assert model.predict(grey_mean, verbose=0).shape == (1, 3)
