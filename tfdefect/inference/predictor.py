"""``Predictor``: one front for every system and every export format."""

from __future__ import annotations

import cv2
import numpy as np

from tfdefect.inference.image_io import read_image
from tfdefect.inference.results import (
    AnomalyResult,
    ClassificationResult,
    Detection,
    DetectionResult,
    PairResult,
    SegmentationResult,
)
from tfdefect.inference.runtimes import open_runtime


class Predictor:
    """Predicts with an exported or saved model; knows its task and classes from the
    metadata every export carries.

    ``predict(images)`` takes one (H, W, C) uint8 image, a list of them, a (B, H, W, C)
    batch, or file paths. Any sizes: a model with a fixed input size gets each image
    resized to it; a model of free size (the segmenters) gets each image padded (mirrored
    edges) up to the next multiple of its ``size_multiple`` (metadata ``extra``; 32 for
    exports that do not say) and batched with images of the same padded size. Results are
    mapped back to each image's own size. Pair models take ``reference=`` (one image for all,
    or one per test image); a cached-reference MPB3 takes ``position_id=`` instead.

    Returns one typed result per image (see ``tfdefect.inference.results``).

    Attributes:
        metadata: the export's ``ModelMetadata``; task, class_names: its shortcuts.
    """

    def __init__(self, path: str, batch_size: int = 8, runtime=None):
        self.path = path
        self.batch_size = batch_size
        self.runtime = runtime or open_runtime(path)
        self.metadata = self.runtime.metadata
        images = self.metadata.image_inputs
        if not images:
            raise ValueError(f"{path}: metadata lists no image input")
        self.image_shape = tuple(images[0]["shape"])
        self.channels = int(self.image_shape[-1])
        self.free_size = not (self.image_shape[0] and self.image_shape[1])
        self.size_multiple = int(self.metadata.extra.get("size_multiple") or 32)

    @classmethod
    def from_model(cls, model, metadata, batch_size: int = 8) -> Predictor:
        """A Predictor of a Keras model in memory, described by ``metadata``
        (``tfdefect.export.describe_model(model, class_names)``); it runs the same serving
        function as the model's exports."""
        from tfdefect.inference.runtimes import KerasRuntime

        runtime = KerasRuntime.from_model(model, metadata)
        return cls(f"<{type(model).__name__} in memory>", batch_size, runtime=runtime)

    @property
    def task(self) -> str:
        return self.metadata.task

    @property
    def class_names(self) -> list:
        return self.metadata.class_names

    def read(self, path: str) -> np.ndarray:
        """Read an image file, or a chip folder of a model that names its channels, as this
        model's input (channel rules: ``read_image``)."""
        return read_image(path, self.channels, self.metadata.extra.get("channel_names"))

    def predict(self, images, reference=None, position_id=None) -> list:
        tests = self._as_list(images)
        extra = {}
        if self.task == "pair_classification":
            names = [s["name"] for s in self.metadata.inputs]
            if "position_id" in names:
                if position_id is None:
                    raise ValueError(f"{self.path}: a cached-reference model needs position_id")
                ids = np.broadcast_to(np.asarray(position_id, np.int32), (len(tests),))
                check_position_ids(self.metadata, ids)
                extra["position_id"] = ids
            else:
                if reference is None:
                    raise ValueError(f"{self.path}: a pair model needs reference image(s)")
                references = self._as_list(reference)
                if len(references) == 1:
                    references = references * len(tests)
                if len(references) != len(tests):
                    raise ValueError(
                        f"{len(references)} reference images for {len(tests)} test images"
                    )
                extra["reference"] = references
        for image in tests + list(extra.get("reference", [])):
            self._check_image(image)
        results = [None] * len(tests)
        for indices in self._chunks(tests):
            chunk = [tests[k] for k in indices]
            feeds = {self._test_input_name(): self.model_batch(chunk)}
            for name, values in extra.items():
                part = [values[k] for k in indices]
                feeds[name] = self.model_batch(part) if name == "reference" else np.asarray(part)
            outputs = self.runtime(feeds)
            for i, (k, image) in enumerate(zip(indices, chunk, strict=True)):
                results[k] = self._decode(outputs, i, image)
        return results

    def predict_each(self, images: list, reference=None, position_id=None) -> list:
        """``predict`` that isolates failures: one result per image, or the exception that
        image raised. The images are predicted together; when that call fails, one at a
        time, so one bad image fails alone. ``reference``: None, one image for all, or a
        list of one per image."""
        try:
            return self.predict(images, reference=reference, position_id=position_id)
        except Exception as error:  # noqa: BLE001 - whose fault it is is found below
            if len(images) == 1:
                return [error]
        per_image = isinstance(reference, list) and len(reference) == len(images)
        outcomes = []
        for index, image in enumerate(images):
            own = [reference[index]] if per_image else reference
            try:
                outcomes.append(self.predict([image], reference=own, position_id=position_id)[0])
            except Exception as error:  # noqa: BLE001 - this image's failure, with its reason
                outcomes.append(error)
        return outcomes

    def _model_size(self, image: np.ndarray) -> tuple[int, int]:
        """(height, width) the model is fed for ``image``."""
        if not self.free_size:
            return int(self.image_shape[0]), int(self.image_shape[1])
        step = self.size_multiple
        return tuple(-(-side // step) * step for side in image.shape[:2])

    def _chunks(self, images: list) -> list[list[int]]:
        """Indices of ``images`` in model calls of at most ``batch_size``, each call of one
        input size (in order of first appearance)."""
        groups: dict[tuple, list[int]] = {}
        for index, image in enumerate(images):
            groups.setdefault(self._model_size(image), []).append(index)
        return [
            members[start : start + self.batch_size]
            for members in groups.values()
            for start in range(0, len(members), self.batch_size)
        ]

    def _test_input_name(self) -> str:
        names = [s["name"] for s in self.metadata.image_inputs]
        return "test" if "test" in names else names[0]

    def _as_list(self, images) -> list:
        if isinstance(images, str):
            return [self.read(images)]
        if isinstance(images, np.ndarray):
            if images.ndim == 3:
                return [images]
            if images.ndim == 4:
                return list(images)
            raise ValueError(f"expected an (H, W, C) image or a batch, got shape {images.shape}")
        return [self.read(i) if isinstance(i, str) else np.asarray(i) for i in images]

    def _check_image(self, image: np.ndarray) -> None:
        channels = self.channels
        if image.ndim != 3 or image.shape[-1] != channels:
            raise ValueError(
                f"image of shape {image.shape}; the model takes (H, W, {channels}) uint8"
            )
        if image.dtype != np.uint8:
            raise ValueError(f"expected uint8 pixels, got {image.dtype}")
        if 0 in image.shape:
            raise ValueError(f"empty image of shape {image.shape}")

    def model_batch(self, images: list) -> np.ndarray:
        """The model's input batch: each image resized (fixed-size models) or padded with
        mirrored edges (free-size models) to ``_model_size``."""
        batch = []
        for image in images:
            height, width = self._model_size(image)
            if self.free_size:
                pad = ((0, height - image.shape[0]), (0, width - image.shape[1]), (0, 0))
                image = np.pad(image, pad, mode="symmetric")
            elif image.shape[:2] != (height, width):
                resized = cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA)
                image = resized.reshape(height, width, self.channels)
            batch.append(image)
        return np.stack(batch)

    def _decode(self, outputs: dict, i: int, image: np.ndarray):
        size = image.shape[:2]
        decode = {
            "segmentation": self._segmentation,
            "detection": self._detection,
            "anomaly": self._anomaly,
            "classification": self._classification,
            "pair_classification": self._pair,
        }[self.task]
        return decode(outputs, i, size)

    def _name(self, index: int) -> str:
        names = self.class_names
        return names[index] if 0 <= index < len(names) else f"class_{index}"

    def _segmentation(self, outputs, i, size):
        if "class_map" in outputs:
            class_map = outputs["class_map"][i]
        else:
            class_map = np.argmax(outputs["probabilities"][i], axis=-1)
        if self.free_size:  # padded input: the image's own part
            class_map = class_map[: size[0], : size[1]]
        class_map = _resize_nearest(class_map.astype(np.int32), size)
        count = max(len(self.class_names), int(class_map.max()) + 1)
        counts = np.bincount(class_map.ravel(), minlength=count)
        names = [self._name(k) for k in range(count)]
        return SegmentationResult(
            class_map, names, {n: int(c) for n, c in zip(names, counts, strict=True)}
        )

    def _detection(self, outputs, i, size):
        height, width = size
        count = int(np.asarray(outputs["num_detections"][i]).reshape(()))
        minimum = self.metadata.thresholds.get("detection_score", 0.0)
        detections = []
        for k in range(count):
            if float(outputs["scores"][i, k]) < minimum:
                continue
            y1, x1, y2, x2 = (float(v) for v in outputs["boxes"][i, k])
            class_id = int(outputs["class_ids"][i, k])
            mask = None
            if "masks" in outputs:
                mask = _resize_nearest(outputs["masks"][i, k].astype(np.uint8), size) > 0
            detections.append(
                Detection(
                    class_id,
                    self._name(class_id),
                    float(outputs["scores"][i, k]),
                    (x1 * width, y1 * height, x2 * width, y2 * height),
                    mask,
                )
            )
        detections.sort(key=lambda d: -d.score)
        return DetectionResult(detections, (height, width))

    def _anomaly(self, outputs, i, size):
        anomaly_map = outputs["anomaly_map"][i].astype(np.float32)
        if anomaly_map.shape != tuple(size):
            linear = cv2.INTER_LINEAR
            anomaly_map = cv2.resize(anomaly_map, (size[1], size[0]), interpolation=linear)
        mask = _resize_nearest(outputs["mask"][i].astype(np.uint8), size) > 0
        return AnomalyResult(
            float(outputs["score"][i]),
            bool(outputs["is_anomalous"][i]),
            self.metadata.thresholds.get("anomaly_score"),
            anomaly_map,
            mask,
            self.metadata.map_threshold,
        )

    def _classification(self, outputs, i, size):
        column = outputs.get("class_probabilities")
        if column is None:  # a classifier exported under another output name
            column = next(iter(outputs.values()))
        probabilities = np.asarray(column[i], np.float64)
        best = int(np.argmax(probabilities))
        named = {self._name(k): float(p) for k, p in enumerate(probabilities)}
        return ClassificationResult(self._name(best), float(probabilities[best]), named)

    def _pair(self, outputs, i, size):
        ng = float(np.asarray(outputs["ng"][i]).reshape(-1)[0])
        types = np.asarray(outputs["defect_class"][i], np.float64)
        best = int(np.argmax(types))
        threshold = float(self.metadata.thresholds.get("ng", 0.5))
        return PairResult(
            ng,
            ng >= threshold,
            self._name(best),
            float(types[best]),
            {self._name(k): float(p) for k, p in enumerate(types)},
        )


def check_position_ids(metadata, ids) -> None:
    """Refuse position ids a cached-reference model (``metadata``) does not hold: negative
    ones always (an ONNX gather would wrap them round), too large ones where the metadata
    names the positions."""
    ids = np.asarray(ids).reshape(-1)
    positions = metadata.extra.get("position_names")
    if ids.size and (ids.min() < 0 or (positions and ids.max() >= len(positions))):
        valid = f"0..{len(positions) - 1} ({', '.join(positions)})" if positions else ">= 0"
        raise ValueError(f"position_id must be in {valid}; got {sorted(set(ids.tolist()))}")


def failure_reason(error: BaseException) -> str:
    """The reason recorded for an input that failed: the error's message (its type when it
    has none)."""
    return str(error) or type(error).__name__


def _resize_nearest(values: np.ndarray, size) -> np.ndarray:
    if values.shape == tuple(size):
        return values
    return cv2.resize(values, (size[1], size[0]), interpolation=cv2.INTER_NEAREST)


def load(path: str, batch_size: int = 8) -> Predictor:
    """A :class:`Predictor` for a SavedModel version folder, ``.keras``, ``.onnx`` or
    ``.tflite`` file of any tfdefect system."""
    return Predictor(path, batch_size=batch_size)
