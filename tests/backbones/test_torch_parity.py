"""Converted torch checkpoints give torch's outputs: the fixtures of
``scripts/make_torch_fixtures.py`` (timm / torchvision outputs of seeded random weights)
against the same weights, rebuilt with NumPy, converted and run in Keras. No torch needed."""

import glob
import json
import os

import numpy as np
import pytest

from tests.backbones.random_state import fixture_input, random_state
from tfdefect.backbones.torch_checkpoint import write_checkpoint
from tfdefect.backbones.vision_transformer import VISION_TRANSFORMER_PRESETS
from tfdefect.backbones.weight_conversion import convertible_backbone
from tfdefect.constants import IMAGENET_MEAN, IMAGENET_STD

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")
ARCHITECTURES = sorted(
    os.path.basename(os.path.dirname(p))
    for p in glob.glob(os.path.join(FIXTURES, "*", "meta.json"))
)
TOLERANCE = 1e-4


def largest_difference(architecture, tmp_path):
    """(max |keras - torch| / max(1, max |torch|) over the fixture's outputs, per output)."""
    with open(os.path.join(FIXTURES, architecture, "meta.json")) as handle:
        meta = json.load(handle)
    checkpoint = str(tmp_path / "checkpoint.safetensors")
    write_checkpoint(checkpoint, random_state(meta["seed"], meta["shapes"]))
    image = fixture_input(meta["seed"], meta["input_shape"]).transpose(0, 2, 3, 1)
    name = architecture.split("@")[0]  # "vit_b16@64": another input size
    if name in VISION_TRANSFORMER_PRESETS or name == "swin_t":
        from tfdefect.backbones.pretrained import load_backbone_weights

        model = convertible_backbone(name, image.shape[1:3])
        report = load_backbone_weights(model, checkpoint, architecture=name)
        assert report["assigned"] == len(model.weights)
        if (
            name == "swin_t"
            or VISION_TRANSFORMER_PRESETS[name].get("input_normalization") == "imagenet"
        ):
            pixels = image * np.asarray(IMAGENET_STD) + np.asarray(IMAGENET_MEAN)
        else:
            pixels = (image + 1.0) * 127.5
        outputs = {"pre_logits": model(pixels.astype(np.float32))}
    elif architecture == "alexnet":
        from tfdefect.backbones.pretrained import load_backbone_weights

        model = convertible_backbone("alexnet", image.shape[1:3])
        load_backbone_weights(model, checkpoint, architecture="alexnet")
        pixels = image * np.asarray(IMAGENET_STD) + np.asarray(IMAGENET_MEAN)  # it normalises
        outputs = {"features": model(pixels.astype(np.float32))}
    else:
        from tfdefect.backbones.resnet_basic import BasicResNetBackbone
        from tfdefect.backbones.resnet_bottleneck import ResNetBackbone

        if architecture in ("resnet18", "resnet34"):
            model = BasicResNetBackbone(architecture, weights=checkpoint)
        else:
            model = ResNetBackbone(
                "resnet25" if architecture == "resnet25" else "resnet50",
                width_multiplier=2 if architecture == "wide_resnet50_2" else 1,
                weights=checkpoint,
            )
        assert model.torch_compatible  # a .safetensors path switches the torch layout on
        outputs = model(image)
    differences = {}
    for name in meta["outputs"]:
        expected = np.load(os.path.join(FIXTURES, architecture, f"{name}.npy")).transpose(
            0, 2, 3, 1
        )
        got = np.asarray(outputs[name]).reshape(expected.shape)
        assert got.shape == expected.shape, (name, got.shape, expected.shape)
        scale = max(1.0, float(np.abs(expected).max()))
        differences[name] = float(np.abs(got - expected).max()) / scale
    return differences


def test_every_convertible_architecture_has_a_fixture():
    from tfdefect.backbones.torch_conversion import ARCHITECTURES as CONVERTIBLE

    assert sorted({a.split("@")[0] for a in ARCHITECTURES}) == sorted(CONVERTIBLE)


@pytest.mark.parametrize("architecture", ARCHITECTURES)
def test_converted_weights_match_torch(architecture, tmp_path):
    differences = largest_difference(architecture, tmp_path)
    print(architecture, {k: f"{v:.2e}" for k, v in differences.items()})
    assert max(differences.values()) <= TOLERANCE, differences
