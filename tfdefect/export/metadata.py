"""What travels with every export: task, class names, input spec, thresholds, version.

One JSON document (``ModelMetadata.to_json``) is written

* into a SavedModel as ``assets.extra/tfdefect.json`` (TF Serving ignores assets.extra),
* into an ONNX file as ``metadata_props`` (key ``tfdefect``, plus a few flat keys),
* beside a ``.tflite`` file as ``<file>.tflite.json``,
* into a ``.keras`` archive as the extra member ``tfdefect.json`` (Keras ignores it),

so ``tfdefect.load`` never needs a caller to pass class lists. No pickle anywhere.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import tempfile
import zipfile

import tfdefect
from tfdefect.json_values import is_int, is_number, json_type

TASKS = ("segmentation", "detection", "anomaly", "classification", "pair_classification")
METADATA_FILE = "tfdefect.json"
REQUIRED_FIELDS = ("task", "class_names", "inputs")


class MetadataError(ValueError):
    """An export's tfdefect metadata that cannot be read, is not valid JSON, or lacks or
    mistypes a field; the message names where it came from (file, or model and carrier)."""


def _is_input_spec(spec) -> bool:
    """An ``inputs`` entry: name (str), shape (sizes >= 0 or null), dtype (str)."""
    return (
        isinstance(spec, dict)
        and isinstance(spec.get("name"), str)
        and isinstance(spec.get("dtype"), str)
        and isinstance(spec.get("shape"), list)
        and all(d is None or (is_int(d) and d >= 0) for d in spec["shape"])
    )


_INPUT_SPEC = '{"name": string, "shape": [sizes or null], "dtype": string}'
# field -> (test, what it must be)
_FIELD_RULES = {
    "task": (lambda v: v in TASKS, f"one of {', '.join(TASKS)}"),
    "class_names": (
        lambda v: isinstance(v, list) and all(isinstance(n, str) or is_int(n) for n in v),
        "a list of class names",
    ),
    "inputs": (lambda v: isinstance(v, list), f"a list of {_INPUT_SPEC}"),
    "thresholds": (
        lambda v: isinstance(v, dict) and all(is_number(x) for x in v.values()),
        "an object of numbers",
    ),
    "name": (lambda v: isinstance(v, str), "a string"),
    "version": (is_int, "an integer"),
    "extra": (lambda v: isinstance(v, dict), "an object"),
    "library_version": (lambda v: isinstance(v, str), "a string"),
}


def check_metadata_fields(fields, source: str) -> dict:
    """``fields`` (a parsed metadata document) checked: an object with the required fields,
    every known field of its type. Returns the known fields; raises MetadataError naming
    ``source`` and the first missing or bad field."""
    if not isinstance(fields, dict):
        raise MetadataError(f"{source}: tfdefect metadata is {json_type(fields)}, not an object")
    missing = [name for name in REQUIRED_FIELDS if name not in fields]
    if missing:
        raise MetadataError(
            f"{source}: tfdefect metadata lacks {', '.join(repr(m) for m in missing)} "
            f"(required: {', '.join(REQUIRED_FIELDS)})"
        )
    for name, (test, expected) in _FIELD_RULES.items():
        if name in fields and not test(fields[name]):
            raise MetadataError(
                f"{source}: tfdefect metadata field {name!r} is {fields[name]!r:.80}, "
                f"needs {expected}"
            )
    for index, spec in enumerate(fields["inputs"]):
        if not _is_input_spec(spec):
            raise MetadataError(
                f"{source}: tfdefect metadata inputs[{index}] is {spec!r:.80}, needs {_INPUT_SPEC}"
            )
    return {name: fields[name] for name in _FIELD_RULES if name in fields}


def library_version() -> str:
    """The installed tfdefect version, ``tfdefect.__version__`` (``0+unknown`` in a bare
    checkout)."""
    return tfdefect.__version__


@dataclasses.dataclass
class ModelMetadata:
    """Everything a caller of an exported model needs besides the graph.

    Attributes:
        task: one of ``TASKS``.
        class_names: output classes in index order. Segmentation: the class-map values
            (index 0 is background). Detection: ``class_ids`` values (0 is background).
            Classification / pairs: the probability columns (pairs: defect types).
            Anomaly: ``["good", "anomalous"]``.
        inputs: one dict per model input: ``name``, ``shape`` (without the batch
            dimension, None for any size) and ``dtype``; images are uint8 pixels.
        thresholds: decision thresholds the outputs were made with (for example
            ``{"anomaly_score": 3.1}``, ``{"ng": 0.5}``, ``{"detection_score": 0.7}``).
        name: the served model name; ``version``: its version number (0 if unversioned).
        extra: task specifics (channel names, position names of a cached MPB3 model,
            the anomaly map's scale ...).
        library_version: tfdefect version that wrote the export.
    """

    task: str
    class_names: list
    inputs: list
    thresholds: dict = dataclasses.field(default_factory=dict)
    name: str = ""
    version: int = 0
    extra: dict = dataclasses.field(default_factory=dict)
    library_version: str = dataclasses.field(default_factory=library_version)

    def __post_init__(self):
        if self.task not in TASKS:
            raise ValueError(f"unknown task {self.task!r}; valid tasks: {', '.join(TASKS)}")
        self.class_names = [str(name) for name in self.class_names]
        self.inputs = [dict(spec) for spec in self.inputs]

    @property
    def map_threshold(self) -> float | None:
        """An anomaly model's pixel (anomaly-map) threshold; exports made before separate
        image and pixel thresholds carry one ``anomaly_score`` for both."""
        return self.thresholds.get("anomaly_map", self.thresholds.get("anomaly_score"))

    @property
    def image_inputs(self) -> list[dict]:
        """The uint8 image inputs (rank 3 without batch)."""
        return [s for s in self.inputs if s["dtype"] == "uint8" and len(s["shape"]) == 3]

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str, source: str = "metadata") -> ModelMetadata:
        """The metadata of a JSON document (unknown fields are ignored).

        Raises:
            MetadataError (a ValueError): not valid JSON, not an object, a required field
                (task, class_names, inputs) missing or any field of the wrong type; the
                message names ``source``.
        """
        try:
            fields = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as error:
            raise MetadataError(
                f"{source}: tfdefect metadata is not valid JSON ({error})"
            ) from error
        return cls(**check_metadata_fields(fields, source))

    def replace(self, **changes) -> ModelMetadata:
        return dataclasses.replace(self, **changes)


def _write_file(path: str, metadata: ModelMetadata) -> str:
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(metadata.to_json())
    return path


def _decode(data: bytes, source: str) -> str:
    """``data`` as UTF-8 text; MetadataError naming ``source`` otherwise."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise MetadataError(f"{source}: tfdefect metadata is not UTF-8 text") from None


def _read_file(path: str) -> ModelMetadata | None:
    """The metadata file at ``path``, or None when there is none; MetadataError naming the
    file when it cannot be read or is malformed."""
    if not os.path.isfile(path):
        return None
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as error:
        raise MetadataError(f"{path}: cannot read ({error.strerror})") from None
    return ModelMetadata.from_json(_decode(data, path), path)


def write_savedmodel_metadata(saved_model_dir: str, metadata: ModelMetadata) -> str:
    """Write ``assets.extra/tfdefect.json`` into a SavedModel folder; return its path."""
    return _write_file(os.path.join(saved_model_dir, "assets.extra", METADATA_FILE), metadata)


def read_savedmodel_metadata(saved_model_dir: str) -> ModelMetadata | None:
    """The metadata of a SavedModel folder, or None for an export without it."""
    return _read_file(os.path.join(saved_model_dir, "assets.extra", METADATA_FILE))


def onnx_metadata_props(metadata: ModelMetadata) -> dict[str, str]:
    """ONNX ``metadata_props``: the whole document under ``tfdefect`` plus flat keys that
    generic ONNX tools show (task, class_names as JSON, library version)."""
    return {
        "tfdefect": metadata.to_json(),
        "task": metadata.task,
        "class_names": json.dumps(metadata.class_names),
        "tfdefect_version": metadata.library_version,
    }


def read_onnx_metadata(props: dict[str, str], source: str) -> ModelMetadata | None:
    """Metadata from an ONNX session's ``custom_metadata_map`` (None if absent); ``source``
    is the model's path, named in a MetadataError for malformed metadata."""
    if "tfdefect" not in props:
        return None
    return ModelMetadata.from_json(props["tfdefect"], f"{source} metadata_props['tfdefect']")


def tflite_metadata_path(tflite_path: str) -> str:
    return tflite_path + ".json"


def write_tflite_metadata(tflite_path: str, metadata: ModelMetadata) -> str:
    return _write_file(tflite_metadata_path(tflite_path), metadata)


def read_tflite_metadata(tflite_path: str) -> ModelMetadata | None:
    return _read_file(tflite_metadata_path(tflite_path))


def attach_keras_metadata(keras_path: str, metadata: ModelMetadata) -> None:
    """Store ``metadata`` inside a ``.keras`` archive (replacing an earlier copy), through
    a temporary file and a rename so the archive is never left half-written."""
    folder = os.path.dirname(os.path.abspath(keras_path))
    handle, temp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".keras")
    os.close(handle)
    try:
        with zipfile.ZipFile(keras_path) as source, zipfile.ZipFile(temp, "w") as target:
            for item in source.infolist():
                if item.filename != METADATA_FILE:
                    target.writestr(item, source.read(item.filename))
            target.writestr(METADATA_FILE, metadata.to_json())
        shutil.copymode(keras_path, temp)
        os.replace(temp, keras_path)
    finally:
        if os.path.exists(temp):
            os.remove(temp)


def read_keras_metadata(keras_path: str) -> ModelMetadata | None:
    """The metadata stored in a ``.keras`` archive, or None."""
    with zipfile.ZipFile(keras_path) as archive:
        if METADATA_FILE not in archive.namelist():
            return None
        source = f"{keras_path}:{METADATA_FILE}"
        return ModelMetadata.from_json(_decode(archive.read(METADATA_FILE), source), source)
