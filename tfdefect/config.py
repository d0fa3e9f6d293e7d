"""Typed dataclass configs overridable from the command line with ``--set key=value``.

Nested dataclasses are addressed with dots (``--set train.epochs=3``). Values are parsed
according to the field's annotation: bool, int, float, str, tuples/lists (comma separated)
and ``X | None`` (the word ``none``).
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from typing import Any


class ConfigError(ValueError):
    """A ``--set`` override names an unknown key or carries a value of the wrong type."""


def _parse_value(text: str, annotation: Any, key: str):
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin in (typing.Union, types.UnionType):
        if text.lower() in ("none", "null") and type(None) in args:
            return None
        non_none = [a for a in args if a is not type(None)]
        return _parse_value(text, non_none[0], key)
    if origin in (tuple, list):
        items = [t for t in text.split(",") if t.strip() != ""]
        item_type = args[0] if args else str
        values = [_parse_value(t.strip(), item_type, key) for t in items]
        return tuple(values) if origin is tuple else values
    if annotation is bool:
        lowered = text.lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"{key}: expected a boolean, got {text!r}")
    if annotation in (int, float, str):
        try:
            return annotation(text)
        except ValueError as error:
            raise ConfigError(f"{key}: expected {annotation.__name__}, got {text!r}") from error
    raise ConfigError(f"{key}: cannot parse a value of type {annotation}")


def apply_overrides(config, overrides: list[str] | None):
    """Return a copy of dataclass ``config`` with ``key=value`` overrides applied."""
    config = dataclasses.replace(config)
    for item in overrides or []:
        if "=" not in item:
            raise ConfigError(f"override {item!r} is not of the form key=value")
        key, text = item.split("=", 1)
        key = key.strip()
        if key not in valid_keys(config) and not _is_nested(config, key):
            raise ConfigError(
                f"unknown config key {key!r}; valid keys: {', '.join(valid_keys(config))}"
            )
        config = _set(config, key.split("."), text.strip(), key)
    return config


def _is_nested(config, key: str) -> bool:
    value = config
    for part in key.split("."):
        if not dataclasses.is_dataclass(value) or not hasattr(value, part):
            return False
        value = getattr(value, part)
    return dataclasses.is_dataclass(value)


def _field_type(config, name: str):
    """The annotation of field ``name``; where a class's annotations cannot be resolved
    (TFDS BuilderConfig names types it does not import at run time), the type of the
    field's current value (tuples: of strings or of their first item's type)."""
    try:
        return typing.get_type_hints(type(config))[name]
    except NameError:
        current = getattr(config, name)
        if isinstance(current, tuple):
            return tuple[type(current[0]) if current else str, ...]
        return type(current) if current is not None else str


def _set(config, path: list[str], text: str, full_key: str):
    head = path[0]
    current = getattr(config, head)
    if len(path) > 1:
        value = _set(current, path[1:], text, full_key)
    else:
        if dataclasses.is_dataclass(current):
            raise ConfigError(f"{full_key!r} is a nested config; set one of its fields")
        value = _parse_value(text, _field_type(config, head), full_key)
    return dataclasses.replace(config, **{head: value})


def valid_keys(config, prefix: str = "") -> list[str]:
    """All dotted keys that ``--set`` accepts for ``config``."""
    keys = []
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        if dataclasses.is_dataclass(value):
            keys += valid_keys(value, prefix + field.name + ".")
        else:
            keys.append(prefix + field.name)
    return keys


def to_json(config) -> str:
    """The config as indented JSON, for logs and result folders."""
    return json.dumps(dataclasses.asdict(config), indent=2, default=str)


def config_from_dict(config, fields: dict, source: str = "config"):
    """A copy of dataclass ``config`` with the values of ``fields`` (what ``to_json``
    wrote, possibly only some keys); nested dataclasses recurse, lists become tuples where
    the field holds a tuple. Unknown keys raise a ConfigError listing the valid ones."""
    if not isinstance(fields, dict):
        raise ConfigError(f"{source}: expected a JSON object of config fields")
    names = {f.name for f in dataclasses.fields(config)}
    unknown = sorted(set(fields) - names)
    if unknown:
        raise ConfigError(
            f"{source}: unknown keys {unknown}; valid keys: {', '.join(sorted(names))}"
        )
    changes = {}
    for key, value in fields.items():
        current = getattr(config, key)
        if dataclasses.is_dataclass(current):
            value = config_from_dict(current, value, f"{source}:{key}")
        elif isinstance(current, tuple) and isinstance(value, list):
            value = tuple(value)
        changes[key] = value
    return dataclasses.replace(config, **changes)
