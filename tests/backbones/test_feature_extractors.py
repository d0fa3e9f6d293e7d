"""The zoo's feature extractors take ``weights=`` themselves: a Keras weights file, or a
torch checkpoint that switches the torch layout on; ViT / DeiT come from timm presets."""

import json

import keras
import numpy as np
import pytest

from tests.backbones.random_state import random_state
from tfdefect.backbones import (
    alexnet_features,
    luna_features,
    swin_features,
    vision_transformer_from_preset,
)
from tfdefect.backbones.torch_checkpoint import write_checkpoint

IMAGES = np.random.default_rng(0).integers(0, 256, (1, 64, 64, 3)).astype(np.float32)


def test_luna_and_swin_load_a_keras_weights_file(tmp_path):
    small_swin = {"dim": 8, "depths": (1, 1, 1, 1), "heads": (1, 1, 1, 1)}
    for build in (
        lambda **kw: luna_features((64, 64, 3), width=4, **kw),
        lambda **kw: swin_features((64, 64, 3), **small_swin, **kw),
    ):
        source = build()
        path = str(tmp_path / f"{source.name}.weights.h5")
        source.save_weights(path)
        loaded = build(weights=path)
        np.testing.assert_array_equal(loaded(IMAGES), source(IMAGES))


def test_alexnet_torch_checkpoint_implies_the_torch_layout(tmp_path):
    with open("tests/backbones/fixtures/alexnet/meta.json") as handle:
        state = random_state(0, json.load(handle)["shapes"])
    checkpoint = str(tmp_path / "alexnet.safetensors")
    write_checkpoint(checkpoint, state)
    model = alexnet_features((64, 64, 3), weights=checkpoint)
    assert any(isinstance(layer, keras.layers.ZeroPadding2D) for layer in model.layers)
    kernel = model.get_layer("block1_conv").kernel.numpy()
    np.testing.assert_array_equal(kernel, state["features.0.weight"].transpose(2, 3, 1, 0))


def test_vision_transformer_presets():
    small = {"depth": 1, "dim": 32, "heads": 2, "mlp_dim": 64}
    deit = vision_transformer_from_preset("deit_s16_distilled", (32, 32, 3), **small)
    assert deit.name == "deit" and deit.get_layer("stem_rescale")  # saved models' input
    assert deit.get_layer("stem_class_tokens").count == 2
    torch_deit = vision_transformer_from_preset(
        "deit_s16_distilled", (32, 32, 3), torch_layout=True, **small
    )
    assert torch_deit.get_layer("stem_normalize")  # what timm's DeiT checkpoints expect
    vit = vision_transformer_from_preset("vit_b16", (32, 32, 3), torch_layout=True, **small)
    assert vit.name == "vit" and vit.get_layer("stem_rescale")
    with pytest.raises(ValueError, match="unknown vision transformer preset 'vit_l16'"):
        vision_transformer_from_preset("vit_l16", (32, 32, 3))
