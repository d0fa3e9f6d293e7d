"""TF Serving ``models.config`` beside the exports, read and written through TF Serving's
own ``ModelServerConfig`` protobuf message (text format), so entries and fields written by
hand (``model_version_policy``, ``version_labels``, ``logging_config`` ...) survive.

The message comes from ``tensorflow-serving-api``, installed with ``pip install --no-deps``
(the package declares a dependency on the ``tensorflow`` dist, a second TensorFlow).
"""

from __future__ import annotations

import os
import posixpath
import re

from tfdefect.atomic_files import atomic_write_text

INSTALL_HINT = "pip install --no-deps tensorflow-serving-api==2.21.0"
_VALID_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")


class ServingConfigError(ValueError):
    """models.config cannot be parsed, or a model name is not valid for TF Serving."""


def _messages():
    try:
        from tensorflow_serving.config import model_server_config_pb2
    except ImportError as error:
        raise RuntimeError(
            f"writing TF Serving's models.config needs its protobuf messages: {INSTALL_HINT}"
        ) from error
    return model_server_config_pb2


def validate_model_name(name: str) -> str:
    """``name`` if TF Serving and a URL path accept it (letters, digits, ``_.-``)."""
    if not isinstance(name, str) or not _VALID_NAME.fullmatch(name):
        raise ServingConfigError(
            f"model name {name!r} is not valid: use letters, digits, '_', '.' and '-', "
            "starting with a letter or digit"
        )
    return name


def read_models_config(path: str):
    """The ``ModelServerConfig`` message of ``path`` (an empty one if the file is absent)."""
    from google.protobuf import text_format

    config = _messages().ModelServerConfig()
    if not os.path.exists(path):
        return config
    with open(path) as handle:
        text = handle.read()
    try:
        text_format.Parse(text, config)
    except text_format.ParseError as error:
        message = f"{path}: not a valid TF Serving models.config ({error})"
        raise ServingConfigError(message) from None
    return config


def models_config_entries(path: str) -> dict[str, str]:
    """Model name -> base_path of the entries in ``path``."""
    config = read_models_config(path)
    return {entry.name: entry.base_path for entry in config.model_config_list.config}


def served_base_path(models_root: str, base_path: str, serving_root: str | None) -> str:
    """The base_path as TF Serving will see it: absolute on this machine, or under
    ``serving_root`` (the folder models_root is mounted at, e.g. ``/models`` in Docker)."""
    if serving_root is None:
        return os.path.abspath(base_path)
    relative = os.path.relpath(os.path.abspath(base_path), os.path.abspath(models_root))
    if relative.startswith(".."):
        raise ServingConfigError(f"{base_path} is not inside {models_root}")
    return posixpath.join(serving_root, *relative.split(os.sep))


def update_models_config(
    models_root: str, name: str, base_path: str, serving_root: str | None = None
) -> str:
    """Add model ``name`` to ``<models_root>/models.config``, or update its ``base_path``
    and platform; every other entry and field is kept. Returns the file's path.

    TF Serving reads it with ``--model_config_file=<path>`` and serves the highest numeric
    version folder under each base_path unless an entry's policy says otherwise.
    """
    from google.protobuf import text_format

    validate_model_name(name)
    path = os.path.join(models_root, "models.config")
    config = read_models_config(path)
    if config.WhichOneof("config") == "custom_model_config":
        raise ServingConfigError(f"{path} holds a custom_model_config; tfdefect will not edit it")
    entries = config.model_config_list.config
    entry = next((e for e in entries if e.name == name), None)
    if entry is None:
        entry = entries.add()
        entry.name = name
    entry.base_path = served_base_path(models_root, base_path, serving_root)
    entry.model_platform = "tensorflow"
    atomic_write_text(path, text_format.MessageToString(config))
    return path
