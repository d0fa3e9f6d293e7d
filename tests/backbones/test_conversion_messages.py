"""What ``tfdefect convert-weights`` and the torch-weight loaders tell a user: torch keys in
one-line errors, Swin windows, image sizes, the model names, refused files, the docs."""

import json
import os
import shlex
import struct

import h5py
import numpy as np
import pytest

from tests.backbones.random_state import random_state
from tfdefect.backbones.torch_checkpoint import CheckpointError, read_checkpoint, write_checkpoint
from tfdefect.backbones.torch_conversion import (
    ALIASES,
    MODEL_NAMES,
    assign_torch_checkpoint,
    expected_tensors,
    model_name,
)
from tfdefect.backbones.weight_conversion import convertible_backbone
from tfdefect.cli import main

FIXTURES = os.path.join(os.path.dirname(__file__), "fixtures")


def _state(fixture: str) -> dict:
    with open(os.path.join(FIXTURES, fixture, "meta.json")) as handle:
        return random_state(0, json.load(handle)["shapes"])


def _checkpoint(tmp_path, fixture: str, state=None) -> str:
    path = str(tmp_path / f"{fixture}.safetensors")
    write_checkpoint(path, _state(fixture) if state is None else state)
    return path


def _error_line(capsys) -> str:
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("tfdefect convert-weights: error: ")
    return lines[0]


# === 1. missing and extra tensors, by their torch keys ===
def test_missing_and_extra_tensors_are_named_by_their_torch_keys(tmp_path, capsys):
    state = _state("resnet50")
    del state["layer3.4.bn2.running_var"]
    state["layer5.0.conv1.weight"] = state["conv1.weight"]
    source = _checkpoint(tmp_path, "resnet50", state)
    args = ["convert-weights", "--architecture", "resnet50", "--input", source]
    assert main([*args, "--output", str(tmp_path / "r50.weights.h5")]) == 2
    line = _error_line(capsys)
    assert source in line
    assert "1 tensors missing: layer3.4.bn2.running_var" in line
    assert "match no layer of resnet50: layer5.0.conv1.weight" in line
    assert "stage4_block4_bn1" not in line and "moving_variance" not in line
    assert not (tmp_path / "r50.weights.h5").exists()


@pytest.mark.parametrize(
    "fixture, image_size",
    [
        ("resnet50", None),
        ("alexnet", (64, 64)),
        ("deit_s16_distilled", (32, 32)),
        ("swin_t", (32, 32)),
    ],
)
def test_every_keras_variable_knows_its_torch_key(fixture, image_size):
    """The keys named for missing variables are exactly the checkpoint's used tensors."""
    state = _state(fixture)
    model = convertible_backbone(fixture, image_size or (224, 224))
    report = assign_torch_checkpoint(model, state, fixture)
    assert sorted(expected_tensors(model, fixture)) == sorted(set(state) - set(report["ignored"]))


def test_a_missing_token_or_attention_tensor_is_named_by_its_key():
    state = _state("deit_s16_distilled")
    model = convertible_backbone("deit", (32, 32))
    for key in ("cls_token", "pos_embed", "blocks.11.attn.qkv.weight", "blocks.0.attn.proj.bias"):
        partial = {k: v for k, v in state.items() if k != key}
        with pytest.raises(CheckpointError, match=rf"1 tensors missing: {key}$"):
            assign_torch_checkpoint(model, partial, "deit", "d.safetensors")


# === 2. Swin relative-position tables of another window ===
def test_a_swin_table_of_another_window_is_refused(tmp_path, capsys):
    state = _state("swin_t")
    rng = np.random.default_rng(0)
    for key, value in list(state.items()):
        if key.endswith("relative_position_bias_table"):  # a window-8 checkpoint
            state[key] = rng.normal(0, 0.02, (225, value.shape[1])).astype(np.float32)
    source = _checkpoint(tmp_path, "swin_t", state)
    output = tmp_path / "swin_t.weights.h5"
    args = ["convert-weights", "--architecture", "swin_t", "--input", source]
    assert main([*args, "--output", str(output)]) == 2
    line = _error_line(capsys)
    assert "layers.0.blocks.0.attn.relative_position_bias_table has 225 rows" in line
    assert "window-8" in line and "window 7 (169 rows)" in line
    assert "swin_tiny_patch4_window7_224" in line and not output.exists()


def test_the_crop_to_smaller_windows_is_recorded(tmp_path, capsys):
    source = _checkpoint(tmp_path, "swin_t")
    output = tmp_path / "swin_t.weights.h5"
    args = ["--architecture", "swin_t", "--input", source, "--output", str(output)]
    assert main(["convert-weights", *args, "--image-size", "64", "64"]) == 0
    assert "12 resampled for 64x64 px" in capsys.readouterr().out
    report = json.loads((tmp_path / "swin_t.conversion.json").read_text())
    assert report["image_size"] == [64, 64]
    resampled = report["resampled"]
    assert len(resampled) == 12  # windows 4, 4, 4, 2 at 64 px: every table cropped
    first = resampled["layers.0.blocks.0.attn.relative_position_bias_table"]
    assert first["from"] == [169, 3] and first["to"] == [49, 3] and "window 7 -> 4" in first["how"]
    assert resampled["layers.3.blocks.1.attn.relative_position_bias_table"]["to"] == [9, 24]


# === 3. image sizes ===
def test_a_file_converted_for_another_size_is_refused_with_the_command(tmp_path, capsys):
    """A 224 px DeiT file into a 64 px zoo model: one line with both sizes and the exact
    command; that command converts for 64 px (position table resampled, recorded)."""
    from tfdefect.models.classifiers.image_classifier import ImageClassifier

    source = _checkpoint(tmp_path, "deit_s16_distilled")
    output = str(tmp_path / "deit.weights.h5")
    assert (
        main(["convert-weights", "--architecture", "deit", "--input", source, "--output", output])
        == 0
    )
    report = json.loads((tmp_path / "deit.conversion.json").read_text())
    assert report["image_size"] == [224, 224] and report["resampled"] == {}
    with h5py.File(output) as handle:
        assert list(handle.attrs["tfdefect_image_size"]) == [224, 224]
        assert handle.attrs["tfdefect_architecture"] == "deit"
    with pytest.raises(CheckpointError) as refused:
        ImageClassifier("deit", image_shape=(64, 64, 3), backbone_weights=output)
    message = str(refused.value)
    assert "\n" not in message and "224x224 px" in message and "64x64 px" in message
    command = message.split(": ")[-1]
    assert command == (
        f"tfdefect convert-weights --architecture deit --input {os.path.abspath(source)} "
        f"--output {output} --image-size 64 64 --overwrite"
    )
    assert main(shlex.split(command)[1:]) == 0
    report = json.loads((tmp_path / "deit.conversion.json").read_text())
    assert report["image_size"] == [64, 64]
    assert report["resampled"]["pos_embed"]["from"] == [1, 198, 384]
    assert report["resampled"]["pos_embed"]["to"] == [1, 2 + 16, 384]
    model = ImageClassifier("deit", image_shape=(64, 64, 3), backbone_weights=output)
    table = model.backbone.get_layer("stem_position_embedding").embedding.numpy()
    assert table.shape == (1, 18, 384)


def test_a_swin_file_converted_for_another_size_is_refused(tmp_path):
    from tfdefect.backbones.swin_transformer import swin_features
    from tfdefect.backbones.weight_conversion import convert_checkpoint

    output = str(tmp_path / "swin_t.weights.h5")
    convert_checkpoint("swin_t", _checkpoint(tmp_path, "swin_t"), output, (224, 224))
    with pytest.raises(CheckpointError, match=r"224x224 px.*64x64 px.*--image-size 64 64"):
        swin_features((64, 64, 3), weights=output)


# === 4. one name per architecture ===
def test_model_names_are_primary_and_the_old_names_are_aliases():
    assert {model_name(a) for a in ALIASES} <= set(MODEL_NAMES)
    assert model_name("wide_resnet50_2") == "wide_resnet50" == model_name("wide_resnet50")
    assert model_name("vit_b16") == "vit" and model_name("deit_s16_distilled") == "deit"
    assert model_name("deit_s16") == "deit_undistilled"
    with pytest.raises(CheckpointError, match="no torch conversion for 'vgg16'.*swin_t"):
        model_name("vgg16")


def test_output_defaults_to_the_model_name_in_the_current_folder(tmp_path, monkeypatch, capsys):
    source = _checkpoint(tmp_path, "resnet18")
    monkeypatch.chdir(tmp_path)
    args = ["convert-weights", "--architecture", "resnet18", "--input", source]
    assert main(args) == 0
    assert (tmp_path / "resnet18.weights.h5").exists()
    assert json.loads((tmp_path / "resnet18.conversion.json").read_text())["architecture"] == (
        "resnet18"
    )
    capsys.readouterr()
    assert main(args) == 2  # still never replaced unasked
    assert "resnet18.weights.h5 exists; pass --overwrite" in _error_line(capsys)


def test_an_old_name_converts_into_the_model_name_file(tmp_path, monkeypatch):
    """``--architecture deit_s16`` (an alias) writes deit_undistilled.weights.h5, which the
    DeiT without distillation token takes by that name."""
    from tfdefect.models.classifiers.image_classifier import ImageClassifier

    source = _checkpoint(tmp_path, "deit_s16")
    monkeypatch.chdir(tmp_path)
    command = ["convert-weights", "--architecture", "deit_s16", "--input", source]
    assert main([*command, "--image-size", "32", "32"]) == 0
    output = tmp_path / "deit_undistilled.weights.h5"
    report = json.loads((tmp_path / "deit_undistilled.conversion.json").read_text())
    assert (
        report["architecture"] == "deit_undistilled" and report["checkpoint_layout"] == "deit_s16"
    )
    model = ImageClassifier(
        "deit_undistilled", image_shape=(32, 32, 3), backbone_weights=str(output)
    )
    assert model.get_config()["backbone"] == "deit"
    assert model.get_config()["backbone_options"]["distillation_token"] is False
    assert model.backbone.get_layer("stem_class_tokens").count == 1


def test_a_distillation_token_mismatch_names_the_name_to_use(tmp_path):
    from tfdefect.models.classifiers.image_classifier import ImageClassifier

    plain = _checkpoint(tmp_path, "deit_s16")
    with pytest.raises(CheckpointError, match=r"no distillation token.*'deit_undistilled'"):
        ImageClassifier("deit", image_shape=(32, 32, 3), backbone_weights=plain)
    distilled = _checkpoint(tmp_path, "deit_s16_distilled")
    with pytest.raises(CheckpointError, match=r"has a distillation token.*use the name 'deit'"):
        ImageClassifier("deit_undistilled", image_shape=(32, 32, 3), backbone_weights=distilled)


def test_a_file_converted_for_another_architecture_names_both(tmp_path):
    from tfdefect.backbones.resnet_basic import BasicResNetBackbone
    from tfdefect.backbones.weight_conversion import convert_checkpoint

    output = str(tmp_path / "resnet18.weights.h5")
    convert_checkpoint("resnet18", _checkpoint(tmp_path, "resnet18"), output)
    with pytest.raises(CheckpointError, match="holds resnet18 weights.*this model is resnet34"):
        BasicResNetBackbone("resnet34", weights=output)


# === 5. keras.applications' ResNet50 and torch weights ===
def test_resnet50_backbone_points_torch_weights_to_resnet_backbone(tmp_path):
    from tfdefect.backbones.resnet50 import ResNet50Backbone

    path = tmp_path / "resnet50.safetensors"
    path.write_bytes(b"not read")
    with pytest.raises(ValueError, match=r"ResNetBackbone\('resnet50', weights=") as refused:
        ResNet50Backbone(weights=str(path))
    assert "\n" not in str(refused.value)


def test_classifiers_without_torch_conversion_refuse_torch_weights(tmp_path):
    from tfdefect.models.classifiers.image_classifier import ImageClassifier

    path = tmp_path / "efficientnetv2.safetensors"
    path.write_bytes(b"not read")
    with pytest.raises(ValueError, match="do not load into the efficientnetv2 backbone"):
        ImageClassifier("efficientnetv2", image_shape=(32, 32, 3), backbone_weights=str(path))


# === 6. torch pickles named .safetensors ===
@pytest.mark.parametrize(
    "start, kind",
    [(b"PK\x03\x04\x14\x00\x00\x00", "zip archive"), (b"\x80\x02\x8a\nl\xfc\x9cF", "pickle")],
)
def test_a_renamed_torch_pickle_is_named_and_never_opened(tmp_path, start, kind):
    path = tmp_path / "model.safetensors"
    path.write_bytes(start + b"archive/data.pkl" * 8)
    with pytest.raises(CheckpointError) as refused:
        read_checkpoint(str(path))
    message = str(refused.value)
    assert f"a torch.save {kind}, not a safetensors file" in message and "\n" not in message
    assert "safetensors.torch.save_file(torch.load(path), out)" in message
    assert "never unpickled" in message


def test_a_safetensors_file_starting_like_a_pickle_still_reads(tmp_path):
    """A header of 640 bytes starts with b"\\x80\\x02", a pickle's first bytes."""
    header = json.dumps({"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}).encode()
    header += b" " * (640 - len(header))
    path = tmp_path / "w.safetensors"
    path.write_bytes(struct.pack("<Q", 640) + header + np.float32([1, 2]).tobytes())
    assert path.read_bytes()[:2] == b"\x80\x02"
    np.testing.assert_array_equal(read_checkpoint(str(path))["w"], [1.0, 2.0])


# === 7. the documentation lists the real architectures ===
def test_docs_and_help_list_every_torch_convertible_backbone(capsys):
    from tfdefect.models.classifiers.image_classifier import TORCH_CONVERTIBLE, ImageClassifier
    from tfdefect.recipes.casting_zoo import CastingZooConfig

    documented = ImageClassifier.__doc__.split("backbone_weights:")[1].split("dropout:")[0]
    zoo = CastingZooConfig.__doc__.split("backbone_weights:")[1].split("pretrain:")[0]
    for name in TORCH_CONVERTIBLE:
        assert name in documented and name in zoo
    with pytest.raises(SystemExit):
        main(["convert-weights", "--help"])
    listed = " ".join(capsys.readouterr().out.split())
    for name in [*MODEL_NAMES, *ALIASES]:
        assert name in listed
    assert "<model name>.weights.h5" in listed and "--image-size H W" in listed
