import keras
import numpy as np
import pytest

from tfdefect.backbones import BasicResNetBackbone, ResNetBackbone


@pytest.mark.parametrize(
    "build, last_norm",
    [
        (lambda init: BasicResNetBackbone("resnet18", initialization=init), "_bn1"),
        (lambda init: ResNetBackbone("resnet25", initialization=init), "_bn2"),
    ],
)
def test_torch_initialization_is_he_normal_on_fan_out_with_zeroed_last_norms(build, last_norm):
    keras.utils.set_random_seed(0)
    torch_like, keras_like = build("torch"), build("keras")
    kernel = torch_like.get_layer("stage3_block0_conv1").kernel.numpy()
    height, width, _, filters = kernel.shape
    assert kernel.std() == pytest.approx(np.sqrt(2.0 / (height * width * filters)), rel=0.05)
    glorot = keras_like.get_layer("stage3_block0_conv1").kernel.numpy()
    fan_in, fan_out = height * width * kernel.shape[2], height * width * filters
    assert glorot.std() == pytest.approx(np.sqrt(2.0 / (fan_in + fan_out)), rel=0.05)
    block_layers = [layer for layer in torch_like.layers if "block" in layer.name]
    last = [layer for layer in block_layers if layer.name.endswith(last_norm)]
    assert last and all(not layer.gamma.numpy().any() for layer in last)
    others = [layer for layer in block_layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert all(layer.gamma.numpy().all() for layer in others if layer not in last)
    assert all(
        layer.gamma.numpy().all()
        for layer in keras_like.layers
        if isinstance(layer, keras.layers.BatchNormalization)
    )
    rebuilt = type(torch_like).from_config(torch_like.get_config())
    assert rebuilt.initialization == "torch"


def test_an_unknown_initialization_is_refused():
    with pytest.raises(ValueError, match="unknown initialization 'he'"):
        BasicResNetBackbone("resnet18", initialization="he")
