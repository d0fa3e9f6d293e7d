"""One runtime per export format, all with the same call: a dict of input batches by
name (uint8 images (B, H, W, C), int32 ids (B,)) -> a dict of numpy outputs by name, the
names of the SavedModel's ``serving_default``. Each carries the export's metadata."""

from __future__ import annotations

import logging
import os
import zipfile

import numpy as np

from tfdefect.export.metadata import (
    ModelMetadata,
    read_keras_metadata,
    read_onnx_metadata,
    read_savedmodel_metadata,
    read_tflite_metadata,
)

logger = logging.getLogger(__name__)


class ModelLoadError(ValueError):
    """A model path that is missing or not a model of a known format; names the path."""


def _warn(message: str) -> None:
    logger.warning(message)


def _guess_metadata(path: str, output_names, inputs: list[dict]) -> ModelMetadata:
    """Metadata for an export written before metadata existed (class names unknown)."""
    names = set(output_names)
    if "anomaly_map" in names:
        task, classes = "anomaly", ["good", "anomalous"]
    elif "boxes" in names:
        task, classes = "detection", []
    elif "probabilities" in names or "class_map" in names:
        task, classes = "segmentation", []
    elif {"ng", "defect_class"} <= names:
        task, classes = "pair_classification", []
    else:
        task, classes = "classification", []
    _warn(f"{path} carries no tfdefect metadata; treated as a {task} model, classes by index")
    return ModelMetadata(task=task, class_names=classes, inputs=inputs)


class SavedModelRuntime:
    """Calls ``serving_default`` of a SavedModel version folder."""

    def __init__(self, path: str):
        import tensorflow as tf

        if not os.path.isfile(os.path.join(path, "saved_model.pb")):
            versions = sorted(n for n in os.listdir(path) if n.isdigit())
            if versions:
                raise ModelLoadError(
                    f"{path} is a model's folder, not a version: add the version, e.g. "
                    f"{os.path.join(path, versions[-1])}"
                )
            raise ModelLoadError(f"{path}: not a SavedModel folder (no saved_model.pb)")
        try:
            loaded = tf.saved_model.load(path)
        except Exception as error:  # a corrupt file surfaces as many TF error types
            raise ModelLoadError(f"{path}: SavedModel cannot be loaded ({error})") from error
        if "serving_default" not in loaded.signatures:
            raise ModelLoadError(f"{path}: SavedModel has no serving_default signature")
        self._loaded = loaded  # keeps the variables alive
        self._signature = loaded.signatures["serving_default"]
        specs = self._signature.structured_input_signature[1]
        self.metadata = read_savedmodel_metadata(path) or _guess_metadata(
            path,
            self._signature.structured_outputs,
            [
                {"name": n, "shape": s.shape.as_list()[1:], "dtype": s.dtype.name}
                for n, s in specs.items()
            ],
        )
        self._tf = tf

    def __call__(self, feeds: dict) -> dict:
        outputs = self._signature(**{k: self._tf.constant(v) for k, v in feeds.items()})
        return {k: v.numpy() for k, v in outputs.items()}


class KerasRuntime:
    """Runs a ``.keras`` model the library wrote, through the same serving function as
    its exports (uint8 in, post-processing included)."""

    def __init__(self, path: str):
        import keras

        import tfdefect.models  # noqa: F401  (registers the library's classes)
        from tfdefect.export.model_description import describe_model

        if not zipfile.is_zipfile(path):
            raise ModelLoadError(f"{path}: not a readable .keras file (not a zip archive)")
        try:
            model = keras.saving.load_model(path, compile=False)
        except Exception as error:
            raise ModelLoadError(f"{path}: .keras model cannot be loaded ({error})") from error
        metadata = read_keras_metadata(path)
        if metadata is None:
            metadata = describe_model(model)
            _warn(f"{path} carries no tfdefect metadata; class names are placeholders")
        self._serve(model, metadata)

    @classmethod
    def from_model(cls, model, metadata: ModelMetadata) -> KerasRuntime:
        """The runtime of a model in memory (just trained, or built from another, like a
        cached-reference MPB3), described by ``metadata`` (``describe_model``)."""
        runtime = cls.__new__(cls)
        runtime._serve(model, metadata)
        return runtime

    def _serve(self, model, metadata: ModelMetadata) -> None:
        import tensorflow as tf

        from tfdefect.export.model_description import serving_postprocess
        from tfdefect.export.signatures import make_serving_functions

        self.metadata = metadata
        serve, _, specs = make_serving_functions(model, serving_postprocess(model))
        self._names = [s.name for s in specs]
        self._function = tf.function(serve, input_signature=specs)
        self.model = model

    def __call__(self, feeds: dict) -> dict:
        outputs = self._function(*[feeds[name] for name in self._names])
        return {k: np.asarray(v) for k, v in outputs.items()}


class OnnxRuntime:
    """Runs an ONNX file the library exported, in onnxruntime (CPU)."""

    def __init__(self, path: str):
        import onnxruntime as ort

        try:
            self._session = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        except Exception as error:
            raise ModelLoadError(f"{path}: onnxruntime cannot load it ({error})") from error
        props = self._session.get_modelmeta().custom_metadata_map
        inputs = [
            {
                "name": i.name,
                "shape": [d if isinstance(d, int) else None for d in i.shape[1:]],
                "dtype": "uint8" if i.type == "tensor(uint8)" else "int32",
            }
            for i in self._session.get_inputs()
        ]
        outputs = [o.name for o in self._session.get_outputs()]
        self.metadata = read_onnx_metadata(props, path) or _guess_metadata(path, outputs, inputs)
        self._outputs = outputs

    def __call__(self, feeds: dict) -> dict:
        values = self._session.run(None, feeds)
        return dict(zip(self._outputs, values, strict=True))


class TFLiteRuntime:
    """Runs a ``.tflite`` file (one image input) with the TF Lite interpreter; quantized
    outputs are dequantized. Its metadata is the JSON beside it (``<file>.tflite.json``)."""

    _MAIN_OUTPUT = {"classification": "class_probabilities"}

    def __init__(self, path: str):

        from tfdefect.quantization.tflite_interpreter import tflite_interpreter

        metadata = read_tflite_metadata(path)
        if metadata is None:
            raise ModelLoadError(
                f"{path}: no {os.path.basename(path)}.json beside it; tfdefect writes one "
                "with every .tflite (task, class names, input spec)"
            )
        try:
            self._interpreter = tflite_interpreter(path)
        except Exception as error:
            raise ModelLoadError(f"{path}: not a readable TFLite model ({error})") from error
        self.metadata = metadata
        self._input = self._interpreter.get_input_details()[0]
        self._outputs = self._interpreter.get_output_details()

    def __call__(self, feeds: dict) -> dict:
        images = next(iter(feeds.values()))
        results = []
        for image in images:  # TFLite models are exported with batch 1
            value = image[None]
            scale, zero = self._input["quantization"]
            if self._input["dtype"] == np.float32:
                value = value.astype(np.float32)
            elif self._input["dtype"] != np.uint8 or scale not in (0.0, 1.0) or zero != 0:
                value = np.round(value / (scale or 1.0) + zero).astype(self._input["dtype"])
            self._interpreter.resize_tensor_input(self._input["index"], value.shape)
            self._interpreter.allocate_tensors()
            self._interpreter.set_tensor(self._input["index"], value)
            self._interpreter.invoke()
            detail = self._outputs[0]
            output = self._interpreter.get_tensor(detail["index"]).astype(np.float32)
            scale, zero = detail["quantization"]
            if scale:
                output = (output - zero) * scale
            results.append(output[0])
        name = self._MAIN_OUTPUT.get(self.metadata.task, "output_0")
        return {name: np.stack(results) if results else np.zeros((0,), np.float32)}


def open_runtime(path: str):
    """The runtime for ``path``: a SavedModel folder, ``.keras``, ``.onnx`` or ``.tflite``."""
    if not os.path.exists(path):
        raise ModelLoadError(f"{path}: no such model file or folder")
    if os.path.isdir(path):
        return SavedModelRuntime(path)
    if os.path.getsize(path) == 0:
        raise ModelLoadError(f"{path}: empty file")
    suffix = os.path.splitext(path)[1].lower()
    runtimes = {".keras": KerasRuntime, ".onnx": OnnxRuntime, ".tflite": TFLiteRuntime}
    if suffix not in runtimes:
        raise ModelLoadError(
            f"{path}: unknown model format {suffix or '(no suffix)'}; expected a SavedModel "
            "version folder, .keras, .onnx or .tflite"
        )
    return runtimes[suffix](path)
