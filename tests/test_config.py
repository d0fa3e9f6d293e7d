import dataclasses

import pytest

from tfdefect.config import ConfigError, apply_overrides, valid_keys


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
