"""Typed dataclass configs overridable from the command line with ``--set key=value``.

Nested dataclasses are addressed with dots (``--set train.epochs=3``). Values are parsed
according to the field's annotation and refused, naming the key, when they do not fit it:

* bool: ``true`` / ``false`` (also ``1 0 yes no on off``); int: a whole number (``1.5``
  and ``"x"`` are refused); float: a number, also ``nan`` and ``inf`` (refused later by
  ``tfdefect.config_rules``); ``X | None``: ``none`` or ``null``.
* str: the text as given, or a JSON string (``'"a,b"'`` is the text ``a,b``).
* tuples and lists: a JSON list (``'["a", "b"]'``) or comma separated items (``a,b``;
  ``'"a,b",c'`` quotes an item holding a comma).

``config_from_dict`` (``--config FILE``) checks the decoded JSON values the same way, with
JSON's own types: an int field takes a JSON integer (not a string, not a boolean), a float
field any number, a tuple field a list of its item type, ``X | None`` also ``null``.

Keys that were renamed keep working in both (``KEY_ALIASES``): ``--set export_dir=X`` is
``--set export.dir=X``, and a config.json written before the rename reads back.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import types
import typing
from typing import Any

_TRUE_WORDS = ("1", "true", "yes", "on")
_FALSE_WORDS = ("0", "false", "no", "off")


# Old spellings of config keys -> the dotted key they now name, for ``--set`` and
# ``--config``. An old key counts only where the config has no field of that name and has
# the new key (``export`` is the nested export config; a value that is not a JSON object,
# or ``--set export=false``, is the old on/off flag).
KEY_ALIASES = {
    "export_dir": "export.dir",
    "export_name": "export.name",
    "export_overwrite": "export.overwrite",
    "serving_root": "export.serving_root",
    "export_onnx": "export.onnx",
    "export": "export.enabled",  # casting_zoo's on/off flag
    "variants": "models",  # mask_rcnn_chips: the variants to train
    "arch": "model",  # mpb3_smt
    "backbone": "model",  # padim_pcb: the PaDiM preset (named by its backbone)
    # chips6 and pcb_anomaly builder configs: renderer settings were nested in ``synthesis``
    **{
        f"synthesis.{name}": name
        for name in (
            "image_size",
            "noise",
            "defect_free_fraction",
            "max_defects",
            "min_defect_size",
            "max_defect_size",
            "class_probabilities",
            "design_seed",
            "components",
        )
    },
}


class ConfigError(ValueError):
    """A ``--set`` override or ``--config`` field names an unknown key or carries a value of
    the wrong type; a setting breaks its rule or cannot run."""


def _is_union(annotation) -> bool:
    return typing.get_origin(annotation) in (typing.Union, types.UnionType)


def _sequence_kind(annotation):
    """tuple or list for a (possibly bare) tuple / list annotation, else None."""
    origin = typing.get_origin(annotation) or annotation
    return origin if origin in (tuple, list) else None


def _type_name(annotation) -> str:
    """``annotation`` as a reader would write it: ``int``, ``list of int``, ``str or null``."""
    if _is_union(annotation):
        return " or ".join(
            "null" if arm is type(None) else _type_name(arm) for arm in typing.get_args(annotation)
        )
    if _sequence_kind(annotation):
        args = [a for a in typing.get_args(annotation) if a is not Ellipsis]
        items = ", ".join(dict.fromkeys(_type_name(a) for a in args)) if args else "str"
        return f"list of {items}"
    return getattr(annotation, "__name__", str(annotation))


def _item_types(annotation, count: int, key: str) -> list:
    """The annotation of each of ``count`` items of a tuple / list ``annotation`` (bare:
    strings); a fixed-length tuple refuses another count."""
    args = typing.get_args(annotation)
    if not args:
        return [str] * count
    if (len(args) == 2 and args[1] is Ellipsis) or _sequence_kind(annotation) is list:
        return [args[0]] * count
    if count != len(args):
        raise ConfigError(f"{key}: expected {len(args)} items, got {count}")
    return list(args)


def _json_text(value) -> str:
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def _wrong_type(key: str, annotation, value) -> ConfigError:
    return ConfigError(f"{key}: expected {_type_name(annotation)}, got {_json_text(value)}")


def check_value(value, annotation, key: str):
    """``value`` (decoded JSON) as a value of ``annotation``: tuples from lists, floats from
    ints; anything else of the wrong type is a ConfigError naming ``key``."""
    if _is_union(annotation):
        return _check_union(value, annotation, key)
    kind = _sequence_kind(annotation)
    if kind is not None:
        if not isinstance(value, (list, tuple)):
            raise _wrong_type(key, annotation, value)
        types_ = _item_types(annotation, len(value), key)
        pairs = enumerate(zip(value, types_, strict=True))
        return kind(check_value(item, item_type, f"{key}[{i}]") for i, (item, item_type) in pairs)
    if annotation is Any:
        return value
    if annotation is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise _wrong_type(key, annotation, value)
    if annotation is int and isinstance(value, bool):  # bool is an int subclass in Python
        raise _wrong_type(key, annotation, value)
    if isinstance(annotation, type) and isinstance(value, annotation):
        return value
    origin = typing.get_origin(annotation)  # dict[str, str] and other generic containers
    if isinstance(origin, type) and isinstance(value, origin):
        return value
    raise _wrong_type(key, annotation, value)


def _check_union(value, annotation, key: str):
    arms = typing.get_args(annotation)
    if value is None:
        if type(None) in arms:
            return None
        raise _wrong_type(key, annotation, value)
    for arm in (a for a in arms if a is not type(None)):
        try:
            return check_value(value, arm, key)
        except ConfigError:
            continue
    raise _wrong_type(key, annotation, value)


def _parse_value(text: str, annotation: Any, key: str):
    """The value of ``--set key=text`` for a field annotated ``annotation``."""
    if _is_union(annotation):
        return _parse_union(text, annotation, key)
    if _sequence_kind(annotation) is not None:
        return _parse_sequence(text, annotation, key)
    if annotation is str:
        return _parse_str(text, key)
    if annotation is bool:
        lowered = text.lower()
        if lowered in _TRUE_WORDS or lowered in _FALSE_WORDS:
            return lowered in _TRUE_WORDS
        raise ConfigError(f"{key}: expected a boolean, got {text!r}")
    if annotation in (int, float):
        try:
            return annotation(text)
        except ValueError:
            raise ConfigError(f"{key}: expected {annotation.__name__}, got {text!r}") from None
    if annotation is Any or isinstance(annotation, type):
        return check_value(_decode_json(text, key), annotation, key)
    raise ConfigError(f"{key}: cannot parse a value of type {annotation}")


def _parse_union(text: str, annotation, key: str):
    arms = typing.get_args(annotation)
    if text.lower() in ("none", "null") and type(None) in arms:
        return None
    non_none = [a for a in arms if a is not type(None)]
    for arm in non_none[:-1]:
        try:
            return _parse_value(text, arm, key)
        except ConfigError:
            continue
    return _parse_value(text, non_none[-1], key)


def _parse_str(text: str, key: str) -> str:
    """The text as given; a JSON string (starting with ``"``) is decoded; ``null`` is refused
    (the field cannot be None)."""
    if text == "null":
        raise ConfigError(f"{key}: expected str, got null (this field cannot be empty)")
    if not text.startswith('"'):
        return text
    value = _decode_json(text, key)
    if not isinstance(value, str):
        raise ConfigError(f"{key}: expected str, got {text!r}")
    return value


def _decode_json(text: str, key: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigError(f"{key}: {text!r} is not valid JSON ({error.msg})") from None


def _parse_sequence(text: str, annotation, key: str):
    """A JSON list (``[...]``), or comma-separated items (double quotes keep a comma inside
    an item), each parsed as the item type."""
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            value = json.loads(stripped)
        except json.JSONDecodeError as error:
            raise ConfigError(
                f"{key}: {text!r} is not a JSON list ({error.msg}); "
                'write ["a", "b"] (quoted strings) or a,b'
            ) from None
        return check_value(value, annotation, key)
    items = [t.strip() for t in next(csv.reader([text], skipinitialspace=True), [])]
    items = [t for t in items if t != ""]
    item_types = _item_types(annotation, len(items), key)
    values = [
        _parse_value(item, item_type, f"{key}[{i}]")
        for i, (item, item_type) in enumerate(zip(items, item_types, strict=True))
    ]
    return _sequence_kind(annotation)(values)


def apply_overrides(config, overrides: list[str] | None):
    """Return a copy of dataclass ``config`` with ``key=value`` overrides applied."""
    config = dataclasses.replace(config)
    for item in overrides or []:
        if "=" not in item:
            raise ConfigError(f"override {item!r} is not of the form key=value")
        key, text = item.split("=", 1)
        key = current_key(config, key.strip())
        if key not in valid_keys(config) and not _is_nested(config, key):
            raise ConfigError(
                f"unknown config key {key!r}; valid keys: {', '.join(valid_keys(config))}"
            )
        config = _set(config, key.split("."), text.strip(), key)
    return config


def current_key(config, key: str) -> str:
    """``key``, or the key it is an old spelling of (``KEY_ALIASES``) where ``config`` has
    no field ``key`` and has that one."""
    new = KEY_ALIASES.get(key)
    keys = valid_keys(config)
    return new if new is not None and key not in keys and new in keys else key


def _is_nested(config, key: str) -> bool:
    value = config
    for part in key.split("."):
        if not dataclasses.is_dataclass(value) or not hasattr(value, part):
            return False
        value = getattr(value, part)
    return dataclasses.is_dataclass(value)


def _field_type(config, name: str):
    """The annotation of field ``name``. Where a class's annotations cannot all be resolved
    (TFDS BuilderConfig names types it does not import at run time), the field's own
    annotation in the module of the class declaring it; failing that, the type of the
    field's current value (tuples: of strings or of their first item's type)."""
    try:
        return typing.get_type_hints(type(config))[name]
    except NameError:
        pass
    for cls in type(config).__mro__:
        if name in cls.__dict__.get("__annotations__", {}):
            return _own_annotation(cls, name, getattr(config, name))
    return _value_type(getattr(config, name))


def _own_annotation(cls, name: str, current):
    """Field ``name``'s annotation as declared by ``cls``, resolved in ``cls``'s module;
    the type of ``current`` where it names something that module does not define."""
    alone = type("_Field", (), {"__annotations__": {name: cls.__dict__["__annotations__"][name]}})
    alone.__module__ = cls.__module__
    try:
        return typing.get_type_hints(alone)[name]
    except Exception:  # NameError, AttributeError ...: names only imported for type checkers
        return _value_type(current)


def _value_type(current):
    """The annotation a field holding ``current`` has (tuples: of their first item's type)."""
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


def config_from_dict(config, fields: dict, source: str = "config", prefix: str = ""):
    """A copy of dataclass ``config`` with the values of ``fields`` (what ``to_json``
    wrote, possibly only some keys); nested dataclasses recurse, each value is checked
    against its field's annotation (``check_value``: lists become tuples where the field is
    a tuple). Unknown keys and values of the wrong type raise a ConfigError naming
    ``source`` and the dotted key."""
    if not isinstance(fields, dict):
        where = f" {prefix[:-1]}:" if prefix else ""
        raise ConfigError(f"{source}:{where} expected a JSON object of config fields")
    if not prefix:
        fields = _current_fields(config, fields, source)
    names = {f.name for f in dataclasses.fields(config)}
    unknown = sorted(prefix + key for key in set(fields) - names)
    if unknown:
        raise ConfigError(
            f"{source}: unknown keys {unknown}; valid keys: "
            f"{', '.join(sorted(prefix + name for name in names))}"
        )
    changes = {}
    for key, value in fields.items():
        current = getattr(config, key)
        if dataclasses.is_dataclass(current):
            changes[key] = config_from_dict(current, value, source, f"{prefix}{key}.")
            continue
        try:
            changes[key] = check_value(value, _field_type(config, key), prefix + key)
        except ConfigError as error:
            raise ConfigError(f"{source}: {error}") from None
    return dataclasses.replace(config, **changes)


def _current_fields(config, fields: dict, source: str) -> dict:
    """``fields`` (a JSON object of top-level keys) with old key spellings (``KEY_ALIASES``)
    moved to the dotted keys they now name: ``{"export_dir": "x"}`` becomes
    ``{"export": {"dir": "x"}}``. An old and a new key for one field is a ConfigError."""
    leaves = set(valid_keys(config))
    names = {f.name for f in dataclasses.fields(config)}
    renamed = {
        old: KEY_ALIASES[old]
        for old, value in fields.items()
        if KEY_ALIASES.get(old) in leaves
        and old not in leaves
        and not (old in names and isinstance(value, dict))  # the nested config itself
    }
    result = {
        key: dict(value) if isinstance(value, dict) else value
        for key, value in fields.items()
        if key not in renamed
    }
    for old, new in renamed.items():
        value = fields[old]
        *parents, leaf = new.split(".")
        target = result
        for part in parents:
            child = target.get(part)
            target[part] = child = dict(child) if isinstance(child, dict) else {}
            target = child
        if leaf in target:
            raise ConfigError(f"{source}: {old} and {new} both given ({old} is its old name)")
        target[leaf] = value
    return result
