import keras
import numpy as np
import pytest

from tfdefect.backbones import ChannelMergeStem
from tfdefect.models.segmenters import ResNet50FPNSegmenter, UNetSegmenter

SMALL = {
    "unet": lambda **kw: UNetSegmenter(image_shape=(32, 32, 6), filters=(4, 8, 16), **kw),
    "resnet50_fpn": lambda **kw: ResNet50FPNSegmenter(
        image_shape=(64, 64, 6), fpn_channels=16, **kw
    ),
}


@pytest.fixture(scope="module", params=sorted(SMALL))
def model_and_input(request):
    model = SMALL[request.param]()
    side = model.input_shape[1]
    images = np.random.default_rng(0).integers(0, 256, (2, side, side, 6)).astype(np.uint8)
    return model, images


def test_output_is_a_probability_map(model_and_input):
    model, images = model_and_input
    probabilities = model.predict(images, verbose=0)
    assert probabilities.shape == images.shape[:3] + (4,)
    assert np.allclose(probabilities.sum(-1), 1.0, atol=1e-5)


def test_config_round_trip(model_and_input):
    model, images = model_and_input
    clone = type(model).from_config(model.get_config())
    assert clone.get_config() == model.get_config()
    clone.set_weights(model.get_weights())
    np.testing.assert_allclose(
        clone.predict(images, verbose=0), model.predict(images, verbose=0), atol=1e-6
    )


def test_keras_file_round_trip(model_and_input, tmp_path):
    model, images = model_and_input
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is type(model)
    np.testing.assert_allclose(
        loaded.predict(images, verbose=0), model.predict(images, verbose=0), atol=1e-6
    )


@pytest.mark.parametrize("name", sorted(SMALL))
def test_channel_merge_stem_loads_a_separately_trained_file(name, tmp_path):
    stem = ChannelMergeStem(input_channels=6)
    stem.set_weights([w + 0.5 for w in stem.get_weights()])
    path = str(tmp_path / "merge.weights.h5")
    stem.save_weights(path)
    model = SMALL[name](merge_channels=True, merge_weights=path)
    loaded = model.get_layer("channel_merge")
    for got, want in zip(loaded.get_weights(), stem.get_weights(), strict=True):
        np.testing.assert_array_equal(got, want)


def test_missing_merge_file_is_reported():
    with pytest.raises(FileNotFoundError, match="channel-merge weights not found: /nope"):
        SMALL["unet"](
            merge_channels=True, merge_weights="/nope.weights.h5".replace(".weights.h5", "")
        )


def test_wrong_channel_count_is_rejected():
    model = SMALL["unet"]()
    with pytest.raises(ValueError, match="expected shape=\\(None, 32, 32, 6\\)|incompatible"):
        model(np.zeros((1, 32, 32, 3), np.float32))


def test_imagenet_weights_need_three_channels():
    with pytest.raises(ValueError, match="ImageNet weights exist for 3-channel inputs only"):
        ResNet50FPNSegmenter(image_shape=(64, 64, 6), backbone_weights="imagenet")


def test_missing_backbone_weights_file():
    with pytest.raises(FileNotFoundError, match="backbone weights file not found"):
        ResNet50FPNSegmenter(image_shape=(64, 64, 3), backbone_weights="/no/such.weights.h5")
