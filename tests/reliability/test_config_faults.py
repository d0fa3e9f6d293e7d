"""Guarantee: a setting a recipe cannot run is refused at config time, in one line, before
any dataset is built, any step trained or any folder created (each case below used to
be accepted, or failed only after the data build or the training)."""

import dataclasses
import json
import os

import pytest

from tfdefect.config import ConfigError, apply_overrides, config_from_dict
from tfdefect.errors import EXIT_USER_ERROR, USER_ERRORS
from tfdefect.recipes import (
    casting_zoo,
    mask_rcnn_chips,
    mpb3_smt,
    padim_pcb,
    segment_chips,
    wafer_mobilenet,
)
from tfdefect.recipes.skeleton import Recipe
from tfdefect.training.train_config import TrainConfig

RECIPES_WITH_EXPORT_NAME = [
    (segment_chips, []),
    (mask_rcnn_chips, []),
    (padim_pcb, []),
    (mpb3_smt, ["--mode", "train"]),
    (wafer_mobilenet, []),
]


@dataclasses.dataclass
class _Settings:
    names: tuple[str, ...] = ("a",)
    widths: tuple[int, ...] = (8,)
    label: str = "x"
    count: int = 1
    rate: float = 0.5
    limit: int | None = None
    flag: bool = False
    train: TrainConfig = dataclasses.field(default_factory=TrainConfig)


def _refused(recipe, arguments, message, tmp_path, capsys):
    """Run ``recipe``'s command line; assert one error line holding ``message``, exit code 2
    and nothing created under ``tmp_path/run``."""
    with pytest.raises(SystemExit) as stopped:
        recipe.cli([*arguments, "--workdir", str(tmp_path / "run")])
    assert stopped.value.code == EXIT_USER_ERROR
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 1 and message in errors[0], errors
    assert not (tmp_path / "run").exists()


# 1. --set takes JSON values: class_names used to be split on the commas of the JSON text


@pytest.mark.parametrize(
    "item, expected",
    [
        ('names=["scratch","void"]', ("scratch", "void")),
        ("names=scratch,void", ("scratch", "void")),
        ('names="a,b",c', ("a,b", "c")),
        ("names=[]", ()),
        ('label="a,b"', "a,b"),
        ("label=a,b", "a,b"),
        ("label=123", "123"),
        ("widths=[4, 8]", (4, 8)),
        ("count=3", 3),
        ("rate=1", 1.0),
        ("limit=null", None),
        ("limit=7", 7),
        ("flag=true", True),
    ],
)
def test_set_parses_json_and_comma_values(item, expected):
    key = item.split("=", 1)[0]
    assert getattr(apply_overrides(_Settings(), [item]), key) == expected


@pytest.mark.parametrize(
    "item, message",
    [
        ("count=1.5", "count: expected int, got '1.5'"),
        ('count="x"', "count: expected int, got '\"x\"'"),
        ("widths=[1.5]", "widths[0]: expected int, got 1.5"),
        ('widths=["4"]', 'widths[0]: expected int, got "4"'),
        ("widths=4,x", "widths[1]: expected int, got 'x'"),
        ("names=[a,b]", "names: '[a,b]' is not a JSON list"),
        ("names=[1]", "names[0]: expected str, got 1"),
        ("limit=2.5", "limit: expected int, got '2.5'"),
        ("label=null", "label: expected str, got null"),
    ],
)
def test_set_refuses_values_of_the_wrong_type_naming_the_key(item, message):
    with pytest.raises(ConfigError) as refused:
        apply_overrides(_Settings(), [item])
    assert message in str(refused.value)


def test_set_json_class_names_reach_the_recipe_as_two_names(tmp_path, capsys):
    manual = tmp_path / "manual"
    manual.mkdir()
    arguments = ["--set", 'data.class_names=["scratch","void"]', "--set"]
    segment_chips.main([*arguments, f"data.manual_dir={manual}", "--print-config"])
    assert json.loads(capsys.readouterr().out)["data"]["class_names"] == ["scratch", "void"]


@pytest.mark.parametrize(
    "recipe, arguments, message",
    [
        (segment_chips, ['data.class_names=["scratch","void"]'], "(scratch, void) need manual_dir"),
        (segment_chips, ["data.class_names=a,a"], "data.class_names ['a', 'a']: names must be"),
        (casting_zoo, ['data.class_names=["good"]'], "data.class_names ['good']: give 2 names"),
        (mpb3_smt, ["data.class_names=a,b", "data.manual_dir=."], "['a', 'b']: must include ok"),
        (padim_pcb, ["data.manual_dir=missing"], "data.manual_dir missing: no such folder"),
    ],
)
def test_data_settings_the_builder_refused_are_refused_at_config_time(
    recipe, arguments, message, tmp_path, capsys
):
    mode = ["--mode", "train"] if recipe is mpb3_smt else []
    settings = [arg for setting in arguments for arg in ("--set", setting)]
    _refused(recipe, [*mode, *settings], message, tmp_path, capsys)


# 2. --config FILE values are type-checked like --set


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"train": {"epochs": "1"}}, 'train.epochs: expected int, got "1"'),
        ({"train": {"epochs": True}}, "train.epochs: expected int, got true"),
        ({"train": {"epochs": 1.5}}, "train.epochs: expected int, got 1.5"),
        ({"rate": "0.5"}, 'rate: expected float, got "0.5"'),
        ({"names": "a,b"}, 'names: expected list of str, got "a,b"'),
        ({"widths": [8, "16"]}, 'widths[1]: expected int, got "16"'),
        ({"flag": 1}, "flag: expected bool, got 1"),
        ({"label": None}, "label: expected str, got null"),
        ({"train": 3}, "train: expected a JSON object"),
        ({"train": {"epoch": 3}}, "unknown keys ['train.epoch']"),
    ],
)
def test_config_file_values_are_type_checked_naming_file_and_key(fields, message):
    with pytest.raises(ConfigError) as refused:
        config_from_dict(_Settings(), fields, source="run.json")
    assert str(refused.value).startswith("run.json: ") and message in str(refused.value)


def test_config_file_takes_json_types():
    fields = {"names": ["a", "b"], "rate": 2, "limit": None, "train": {"epochs": 4}}
    config = config_from_dict(_Settings(limit=3), fields, source="run.json")
    assert config.names == ("a", "b") and config.rate == 2.0 and isinstance(config.rate, float)
    assert config.limit is None and config.train.epochs == 4


def test_a_config_file_with_a_string_count_is_refused_by_the_recipe(tmp_path, capsys):
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"train": {"epochs": "1"}}))
    message = f'{path}: train.epochs: expected int, got "1"'
    _refused(wafer_mobilenet, ["--config", str(path)], message, tmp_path, capsys)


@pytest.mark.parametrize("recipe", [segment_chips, padim_pcb, casting_zoo, mpb3_smt])
def test_what_print_config_writes_reads_back_unchanged(recipe):
    for make in (recipe.RECIPE.default_config, recipe.RECIPE.quick_config):
        written = json.loads(json.dumps(dataclasses.asdict(make())))
        assert config_from_dict(make(), written, source="x.json") == make()


def test_tfds_builder_configs_still_take_overrides():
    from tfdefect.datasets.chips6.chips6_dataset_builder import Builder

    changed = apply_overrides(
        Builder.BUILDER_CONFIGS[0],
        ["num_train=2", "synthesis.image_size=64", 'class_names=["a","b"]', "name=x"],
    )
    assert (changed.num_train, changed.synthesis.image_size) == (2, 64)
    assert changed.class_names == ("a", "b") and changed.name == "x"


# 3. a served model name must be usable as a name and a path (refused after training before)


@pytest.mark.parametrize("recipe, extra", RECIPES_WITH_EXPORT_NAME)
@pytest.mark.parametrize("name", ["../../x", "a/b", ".hidden"])
def test_export_names_that_escape_or_break_the_path_are_refused(
    recipe, extra, name, tmp_path, capsys
):
    arguments = [*extra, "--set", f"export.name={name}", "--set"]
    arguments.append(f"export.dir={tmp_path / 'exports'}")
    _refused(recipe, arguments, f"export.name: model name {name!r} is not valid", tmp_path, capsys)
    assert not (tmp_path / "exports").exists()


# 4. U-Net widths (refused only after the dataset build before)


@pytest.mark.parametrize(
    "widths, message",
    [
        ("", "unet_filters []: give one width >= 1 per U-Net level"),
        ("[]", "unet_filters []: give one width >= 1 per U-Net level"),
        ("16,0,64", "unet_filters[1]=0: must be at least 1"),
        ("[16,-32]", "unet_filters[1]=-32: must be at least 1"),
    ],
)
def test_unet_widths_are_checked_at_config_time(widths, message, tmp_path, capsys):
    _refused(segment_chips, ["--set", f"unet_filters={widths}"], message, tmp_path, capsys)


# 5. closed sets of values


@pytest.mark.parametrize(
    "recipe, arguments, message",
    [
        (segment_chips, ["--set", "train.monitor_mode=sideways"], "monitor_mode=sideways: choose"),
        (segment_chips, ["--set", "model=vgg"], "model 'vgg': choose unet or resnet50_fpn"),
        (mpb3_smt, ["--mode", "train", "--set", "model=vgg"], "model 'vgg': choose from resnet18"),
        (mpb3_smt, ["--mode", "val", "--set", "region=board"], "region 'board': choose from"),
        (casting_zoo, ["--set", "pretrain=imagenet"], "pretrain 'imagenet': choose from"),
        (casting_zoo, ["--set", "models=luna,vgg"], "unknown models ['vgg']"),
        (casting_zoo, ["--set", "freeze=half"], "unknown freeze strategy 'half'"),
        (padim_pcb, ["--set", "model=vgg"], "unknown model vgg"),
        (wafer_mobilenet, ["--set", "pooling=min"], "pooling 'min': choose from"),
        (wafer_mobilenet, ["--set", "backbone=vgg"], "backbone 'vgg': choose from"),
        (
            wafer_mobilenet,
            ["--set", "backbone=resnet18", "--set", "alpha=1.0"],
            "alpha / input_scale are MobileNetV2 settings",
        ),
        (mask_rcnn_chips, ["--set", 'models=["r18"]'], "unknown models ['r18']"),
    ],
)
def test_values_outside_a_closed_set_are_refused(recipe, arguments, message, tmp_path, capsys):
    _refused(recipe, arguments, message, tmp_path, capsys)


# 6. noise levels and other signed settings


@pytest.mark.parametrize(
    "recipe, setting, message",
    [
        (segment_chips, "data.noise=-4", "data.noise=-4.0: must be a finite number >= 0"),
        (mask_rcnn_chips, "data.noise=nan", "data.noise=nan: must be a finite number >= 0"),
        (segment_chips, "data.max_defect_size=3", "data.max_defect_size 3: must be at least 6"),
        (wafer_mobilenet, "min_factor=5", "min_factor 5.0 > max_factor 3.0"),
    ],
)
def test_negative_noise_and_empty_ranges_are_refused(recipe, setting, message, tmp_path, capsys):
    _refused(recipe, ["--set", setting], message, tmp_path, capsys)


def test_noise_zero_is_allowed(tmp_path):
    config, _ = segment_chips.RECIPE.configure(
        ["--set", "data.noise=0", "--workdir", str(tmp_path / "run")]
    )
    assert config.data.noise == 0.0 and not (tmp_path / "run").exists()


# 7. sizes must fit the data and the model (a crop larger than the chip crashed mid-training)


@pytest.mark.parametrize(
    "recipe, settings, message",
    [
        (segment_chips, ["crop_size=1000"], "crop_size 1000: must be at most data.image_size 224"),
        (segment_chips, ["crop_size=100"], "crop_size 100: must be a multiple of 8 for a 4-level"),
        (
            segment_chips,
            ["model=resnet50_fpn", "crop_size=none", "data.image_size=240"],
            "data.image_size 240: must be a multiple of 32 for resnet50_fpn",
        ),
        (mask_rcnn_chips, ["crop_size=1024"], "crop_size 1024: must be a multiple of 32 and at"),
        (mask_rcnn_chips, ["crop_size=none", "data.image_size=100"], "data.image_size 100: must"),
        (casting_zoo, ["image_size=40", "models=vit"], "image_size 40: vit needs a multiple of 16"),
        (casting_zoo, ["image_size=16", "models=luna"], "image_size 16: must be at least 32"),
        (wafer_mobilenet, ["data.image_size=16"], "MobileNetV2 takes inputs of at least 32 px"),
        (padim_pcb, ["image_size=100"], "image_size 100 must be a multiple of 32"),
        (padim_pcb, ["data.image_size=32"], "data: image_size must be >= 64, got 32"),
    ],
)
def test_sizes_that_do_not_fit_model_or_data_are_refused(
    recipe, settings, message, tmp_path, capsys
):
    arguments = [arg for setting in settings for arg in ("--set", setting)]
    _refused(recipe, arguments, message, tmp_path, capsys)


# 8. an output folder that cannot be written (a PermissionError traceback before)


def test_a_workdir_under_a_file_is_refused(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    workdir = tmp_path / "file" / "run"
    with pytest.raises(SystemExit) as stopped:
        segment_chips.cli(["--workdir", str(workdir)])
    assert stopped.value.code == EXIT_USER_ERROR
    errors = capsys.readouterr().err.strip().splitlines()
    assert len(errors) == 1 and f"workdir {workdir}: {tmp_path / 'file'} is a file" in errors[0]


def test_an_export_dir_under_a_file_is_refused(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    message = f"export.dir {tmp_path / 'file' / 'x'}: {tmp_path / 'file'} is a file"
    arguments = ["--set", f"export.dir={tmp_path / 'file' / 'x'}"]
    _refused(padim_pcb, arguments, message, tmp_path, capsys)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_workdir_in_a_read_only_folder_is_refused(tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        with pytest.raises(SystemExit):
            segment_chips.cli(["--workdir", str(locked / "run")])
        error = capsys.readouterr().err
        assert f"workdir {locked / 'run'}: its parent {locked} is not writable" in error
        assert not (locked / "run").exists()
    finally:
        locked.chmod(0o700)


def test_print_config_does_not_look_at_the_output_folders(tmp_path, capsys):
    (tmp_path / "file").write_text("")  # a printed config may be meant for another machine
    wafer_mobilenet.main(["--workdir", str(tmp_path / "file" / "run"), "--print-config"])
    assert json.loads(capsys.readouterr().out)["workdir"] == str(tmp_path / "file" / "run")


def test_an_overwrite_version_that_is_not_there_is_refused(tmp_path, capsys):
    exports = tmp_path / "exports"
    arguments = ["--overwrite", "3", "--set", f"export.dir={exports}"]
    message = f"--overwrite 3: {exports / 'pcb_padim' / '3'} does not exist"
    _refused(padim_pcb, arguments, message, tmp_path, capsys)


def _raise_permission_error(config, *strategy):
    raise PermissionError(13, "Permission denied", os.path.join(config.workdir, "best.keras"))


@dataclasses.dataclass
class _ToyConfig:
    workdir: str = "runs/toy"


def test_a_permission_error_while_running_is_one_line_naming_the_path(tmp_path, capsys):
    assert issubclass(PermissionError, USER_ERRORS) and issubclass(IsADirectoryError, USER_ERRORS)
    recipe = Recipe(
        name="toy",
        description="toy",
        quick_help="toy",
        default_config=_ToyConfig,
        quick_config=_ToyConfig,
        steps=f"{__name__}:_raise_permission_error",
        trains=False,
    )
    with pytest.raises(SystemExit) as stopped:
        recipe.cli(["--workdir", str(tmp_path / "run")])
    assert stopped.value.code == EXIT_USER_ERROR
    assert capsys.readouterr().err == (
        f"tfdefect recipe toy: error: {tmp_path / 'run' / 'best.keras'}: Permission denied "
        "(--debug shows the traceback)\n"
    )
