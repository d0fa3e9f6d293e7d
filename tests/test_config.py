import dataclasses

import pytest

from tfdefect.config import (
    KEY_ALIASES,
    ConfigError,
    apply_overrides,
    config_from_dict,
    current_key,
    valid_keys,
)
from tfdefect.recipes.export_config import ExportConfig


@dataclasses.dataclass
class Inner:
    epochs: int = 3
    rate: float = 0.1


@dataclasses.dataclass
class Outer:
    name: str = "unet"
    flag: bool = False
    sizes: tuple[int, ...] = (1, 2)
    path: str | None = None
    inner: Inner = dataclasses.field(default_factory=Inner)


def test_overrides_parse_by_annotation():
    config = apply_overrides(
        Outer(),
        [
            "name=resnet50_fpn",
            "flag=true",
            "sizes=4,8,16",
            "inner.epochs=7",
            "inner.rate=1e-3",
            "path=/x",
        ],
    )
    assert config == Outer("resnet50_fpn", True, (4, 8, 16), "/x", Inner(7, 1e-3))


def test_none_and_original_untouched():
    original = Outer(path="/a")
    config = apply_overrides(original, ["path=none"])
    assert config.path is None and original.path == "/a"


def test_unknown_key_lists_valid_keys():
    with pytest.raises(ConfigError, match="unknown config key 'inner.epoch'.*inner.epochs"):
        apply_overrides(Outer(), ["inner.epoch=2"])


@pytest.mark.parametrize(
    "item, message",
    [
        ("flag=maybe", "boolean"),
        ("inner.epochs=three", "expected int"),
        ("novalue", "key=value"),
        ("inner=3", "nested config"),
    ],
)
def test_bad_values_are_reported(item, message):
    with pytest.raises(ConfigError, match=message):
        apply_overrides(Outer(), [item])


def test_valid_keys_are_dotted():
    assert valid_keys(Outer()) == ["name", "flag", "sizes", "path", "inner.epochs", "inner.rate"]


@dataclasses.dataclass
class _WithExport:
    models: tuple[str, ...] = ("a",)
    backbone_weights: str | None = None
    export: ExportConfig = dataclasses.field(default_factory=lambda: ExportConfig(name="m"))


@pytest.mark.parametrize(
    "item, key, expected",
    [
        ("export_dir=/srv", "export.dir", "/srv"),
        ("export_name=line3", "export.name", "line3"),
        ("export_overwrite=2", "export.overwrite", 2),
        ("serving_root=/models", "export.serving_root", "/models"),
        ("export_onnx=false", "export.onnx", False),
        ("export=false", "export.enabled", False),
        ("variants=b,c", "models", ("b", "c")),
    ],
)
def test_old_flat_keys_set_the_fields_they_were_renamed_to(item, key, expected):
    config = apply_overrides(_WithExport(), [item])
    value = config
    for part in key.split("."):
        value = getattr(value, part)
    assert value == expected


def test_an_alias_applies_only_where_its_new_key_exists():
    assert current_key(_WithExport(), "arch") == "arch"  # no field model: stays unknown
    with pytest.raises(ConfigError, match="unknown config key 'arch'"):
        apply_overrides(_WithExport(), ["arch=x"])
    assert current_key(Outer(), "export_dir") == "export_dir"
    from tfdefect.datasets.chips6.settings import Chips6Settings
    from tfdefect.datasets.pcb_anomaly.settings import PcbAnomalySettings

    renderer = {f.name for s in (Chips6Settings, PcbAnomalySettings) for f in dataclasses.fields(s)}
    assert set(KEY_ALIASES.values()) <= {"models", "model"} | renderer | {
        f"export.{f.name}" for f in dataclasses.fields(ExportConfig)
    }


def test_renderer_settings_once_nested_still_take_their_old_keys():
    from tfdefect.datasets.pcb_anomaly.pcb_anomaly_dataset_builder import PcbAnomalyConfig

    changed = apply_overrides(PcbAnomalyConfig(name="x"), ["synthesis.noise=5", "num_train=3"])
    assert (changed.noise, changed.synthesis.noise, changed.num_train) == (5.0, 5.0, 3)


def test_old_keys_in_a_config_file_read_back():
    old = {"export_dir": "/srv", "export": False, "variants": ["b"], "export_onnx": False}
    config = config_from_dict(_WithExport(), old, source="old.json")
    assert config.export == ExportConfig(name="m", dir="/srv", onnx=False, enabled=False)
    assert config.models == ("b",)
    new = {"export": {"dir": "/x"}, "export_name": "n"}  # old and new spellings side by side
    assert config_from_dict(_WithExport(), new).export == ExportConfig(name="n", dir="/x")
    with pytest.raises(ConfigError, match="old.json: export_dir and export.dir both given"):
        config_from_dict(_WithExport(), {"export_dir": "/a", "export": {"dir": "/b"}}, "old.json")
    assert new == {"export": {"dir": "/x"}, "export_name": "n"}  # the caller's dict untouched
