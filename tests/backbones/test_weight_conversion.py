"""Checkpoint reading and conversion: strictness, refusals, bfloat16, the command line, and
the default (Keras) layouts left as they were."""

import json
import struct

import h5py
import keras
import numpy as np
import pytest

from tests.backbones.random_state import random_state
from tfdefect.backbones.pretrained import is_torch_checkpoint
from tfdefect.backbones.resnet_basic import BasicResNetBackbone
from tfdefect.backbones.small_cnns import alexnet_features
from tfdefect.backbones.torch_checkpoint import CheckpointError, read_checkpoint, write_checkpoint
from tfdefect.backbones.torch_conversion import assign_torch_checkpoint
from tfdefect.cli import main

FIXTURE = "tests/backbones/fixtures/resnet18/meta.json"


def _resnet18_state():
    with open(FIXTURE) as handle:
        meta = json.load(handle)
    return random_state(0, meta["shapes"])


def test_default_layouts_are_unchanged_and_torch_layouts_differ():
    keras_layout = BasicResNetBackbone("resnet18")
    assert not any(isinstance(layer, keras.layers.ZeroPadding2D) for layer in keras_layout.layers)
    assert keras_layout.get_layer("stem_bn").epsilon == 1e-3
    torch_layout = BasicResNetBackbone("resnet18", torch_compatible=True)
    assert torch_layout.get_layer("stem_bn").epsilon == 1e-5
    assert [v.shape for v in keras_layout.weights] == [v.shape for v in torch_layout.weights]
    # the same weights give other outputs in the Keras layout: the option matters
    state = _resnet18_state()
    assign_torch_checkpoint(keras_layout, state, "resnet18")
    assign_torch_checkpoint(torch_layout, state, "resnet18")
    image = np.random.default_rng(0).normal(size=(1, 64, 64, 3)).astype(np.float32)
    gap = np.abs(keras_layout(image)["P5"] - torch_layout(image)["P5"]).max()
    assert gap > 1e-2
    sizes = [
        m.output_shape[1]
        for m in (
            alexnet_features((224, 224, 3)),
            alexnet_features((224, 224, 3), torch_compatible=True),
        )
    ]
    assert sizes == [7, 6]  # torchvision's 55-27-13-6 needs the torch layout


def test_strict_mapping_names_what_does_not_fit():
    state = _resnet18_state()
    model = BasicResNetBackbone("resnet18", torch_compatible=True)
    report = assign_torch_checkpoint(model, state, "resnet18", "r18.safetensors")
    assert report["assigned"] == len(model.weights) == report["keras_variables"]
    assert report["ignored"]["fc.weight"] == "ImageNet classifier head"
    assert sum(k.endswith("num_batches_tracked") for k in report["ignored"]) == 20
    partial = {k: v for k, v in state.items() if k != "layer4.1.bn2.running_var"}
    with pytest.raises(CheckpointError, match="1 tensors missing: layer4.1.bn2.running_var$"):
        assign_torch_checkpoint(model, partial, "resnet18")
    with pytest.raises(CheckpointError, match="match no layer of resnet18.*layer5.0.conv1"):
        assign_torch_checkpoint(
            model, {**state, "layer5.0.conv1.weight": state["conv1.weight"]}, "resnet18"
        )
    six = BasicResNetBackbone("resnet18", input_channels=6, torch_compatible=True)
    with pytest.raises(CheckpointError, match="conv1.weight has shape .*3 channels"):
        assign_torch_checkpoint(six, state, "resnet18")
    with pytest.raises(CheckpointError, match="no torch conversion for 'vgg16'"):
        assign_torch_checkpoint(model, state, "vgg16")


def test_pickled_files_are_refused_with_the_command_that_converts_them(tmp_path):
    path = tmp_path / "alexnet-owt.pth"
    path.write_bytes(b"\x80\x04not opened")
    with pytest.raises(CheckpointError, match=r"never unpickled.*torch.load.*weights_only=True"):
        read_checkpoint(str(path))
    with pytest.raises(CheckpointError, match="never unpickled"):
        BasicResNetBackbone("resnet18", weights=str(path))


def test_bfloat16_tensors_are_widened(tmp_path):
    values = np.array([[1.0, -2.5], [0.15625, 384.0]], np.float32)
    bf16 = (values.view(np.uint32) >> 16).astype("<u2")  # exact in bfloat16
    header = json.dumps({"w": {"dtype": "BF16", "shape": [2, 2], "data_offsets": [0, 8]}})
    header = header.encode() + b" " * (-len(header) % 8)
    path = tmp_path / "bf16.safetensors"
    path.write_bytes(struct.pack("<Q", len(header)) + header + bf16.tobytes())
    np.testing.assert_array_equal(read_checkpoint(str(path))["w"], values)


def test_convert_weights_command_writes_weights_and_report(tmp_path, capsys):
    source = tmp_path / "resnet18.safetensors"
    write_checkpoint(str(source), _resnet18_state())
    output = tmp_path / "out" / "resnet18.weights.h5"
    args = [
        "convert-weights",
        "--architecture",
        "resnet18",
        "--input",
        str(source),
        "--output",
        str(output),
    ]
    assert main(args) == 0
    assert "resnet18: 100 tensors assigned to 100 Keras variables, 22 ignored" in (
        capsys.readouterr().out
    )
    report = json.loads((tmp_path / "out" / "resnet18.conversion.json").read_text())
    assert report["assigned"] == 100 and len(report["ignored"]) == 20 + 2  # + fc weight, bias
    with h5py.File(output) as handle:
        assert handle.attrs["tfdefect_torch_layout"]
    assert is_torch_checkpoint(str(output)) and not is_torch_checkpoint("imagenet")
    loaded = BasicResNetBackbone("resnet18", weights=str(output))  # torch layout, from the mark
    direct = BasicResNetBackbone("resnet18", weights=str(source))
    image = np.random.default_rng(1).normal(size=(1, 64, 64, 3)).astype(np.float32)
    np.testing.assert_array_equal(loaded(image)["P4"], direct(image)["P4"])
    assert main(args) == 2  # never replaced unasked
    assert "exists; pass --overwrite" in capsys.readouterr().err
    assert main([*args, "--overwrite"]) == 0


def test_models_built_on_converted_weights_reload_in_the_torch_layout(tmp_path):
    """The torch layout is part of a saved model's config: a reload is not silently the
    Keras layout with the same weights (which gives other outputs)."""
    from tfdefect.models.classifiers.image_classifier import ImageClassifier
    from tfdefect.models.padim import Padim

    with open("tests/backbones/fixtures/alexnet/meta.json") as handle:
        alexnet_state = random_state(0, json.load(handle)["shapes"])
    alexnet = tmp_path / "alexnet.safetensors"
    write_checkpoint(str(alexnet), alexnet_state)
    resnet = tmp_path / "resnet18.safetensors"
    write_checkpoint(str(resnet), _resnet18_state())
    images = np.random.default_rng(2).integers(0, 256, (2, 64, 64, 3)).astype(np.float32)
    classifier = ImageClassifier("alexnet", image_shape=(64, 64, 3), backbone_weights=str(alexnet))
    assert classifier.get_config()["backbone_options"] == {"torch_layout": True}
    padim = Padim("resnet18", (64, 64, 3), backbone_weights=str(resnet), embedding_dims=8)
    assert padim.get_config()["backbone_torch_layout"] is True
    padim.fit_gaussian([images], verbose=False)
    for model, name in ((classifier, "classifier"), (padim, "padim")):
        path = tmp_path / f"{name}.keras"
        model.save(path)
        reloaded = keras.saving.load_model(path)
        expected, got = model.predict_on_batch(images), reloaded.predict_on_batch(images)
        if isinstance(expected, dict):
            expected, got = expected["anomaly_map"], got["anomaly_map"]
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "backbone, fixture", [("deit", "deit_s16_distilled"), ("swin_t", "swin_t")]
)
def test_transformer_checkpoints_adapt_to_other_image_sizes(tmp_path, backbone, fixture):
    """At 64 px DeiT's 14x14 position table is resampled to 4x4 and Swin's 13x13 bias tables
    are cropped to the smaller windows (7x7, 3x3); the zoo model builds, trains' inputs flow,
    and a reload keeps DeiT's ImageNet normalisation."""
    from tfdefect.models.classifiers.image_classifier import ImageClassifier

    with open(f"tests/backbones/fixtures/{fixture}/meta.json") as handle:
        state = random_state(0, json.load(handle)["shapes"])
    checkpoint = tmp_path / f"{fixture}.safetensors"
    write_checkpoint(str(checkpoint), state)
    model = ImageClassifier(backbone, image_shape=(64, 64, 3), backbone_weights=str(checkpoint))
    images = np.random.default_rng(3).integers(0, 256, (2, 64, 64, 3)).astype(np.float32)
    expected = model.predict_on_batch(images)
    assert np.isfinite(expected).all()
    model.save(tmp_path / "zoo.keras")
    reloaded = keras.saving.load_model(tmp_path / "zoo.keras")
    np.testing.assert_allclose(reloaded.predict_on_batch(images), expected, rtol=1e-5, atol=1e-6)
    if backbone == "deit":
        table = model.backbone.get_layer("stem_position_embedding").embedding.numpy()
        assert table.shape == (1, 2 + 16, 384)
        np.testing.assert_array_equal(table[0, :2], state["pos_embed"][0, :2])  # tokens kept
    else:
        tables = [
            layer.bias_table.shape
            for layer in model.backbone.layers
            if hasattr(layer, "bias_table")
        ]
        assert tables[0] == (49, 3) and tables[-1] == (9, 24)
