"""Segment image files with an exported SavedModel or a .keras model."""

from __future__ import annotations

import csv
import os

import cv2
import numpy as np

from tfdefect.data.synthetic.chips import CLASS_NAMES


def read_image_file(path: str, channels: int) -> np.ndarray:
    """Read an (H, W, C) uint8 image.

    ``.npy`` files hold the array directly; PNG/JPEG files follow the ``serving_bytes``
    convention (grey for 1, RGB for 3, a side-by-side grey mosaic for other C).
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: no such file")
    if path.endswith(".npy"):
        try:
            image = np.load(path, allow_pickle=False)
        except ValueError as error:
            raise ValueError(f"{path}: not a readable .npy array ({error})") from error
    else:
        image = cv2.imread(path, cv2.IMREAD_UNCHANGED)
        if image is None:
            raise ValueError(f"{path}: not a readable image")
        if image.ndim == 3 and channels == 3:
            image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        elif image.ndim == 2 and channels not in (1,):
            if image.shape[1] % channels:
                raise ValueError(
                    f"{path}: grey mosaic width {image.shape[1]} is not a multiple "
                    f"of {channels} channels"
                )
            image = np.stack(np.split(image, channels, axis=1), axis=-1)
    if image.ndim == 2:
        image = image[..., None]
    if image.shape[-1] != channels:
        raise ValueError(
            f"{path}: image has {image.shape[-1]} channels, the model expects {channels}"
        )
    if image.dtype != np.uint8:
        raise ValueError(f"{path}: expected uint8 pixels, got {image.dtype}")
    return image


class _Runner:
    """Calls a SavedModel's serving_default or a .keras model on uint8 batches."""

    def __init__(self, model_path: str):
        import tensorflow as tf

        if model_path.endswith(".keras"):
            import keras

            import tfdefect.models  # noqa: F401

            model = keras.saving.load_model(model_path)
            self.channels = model.input_shape[-1]
            self._call = lambda x: {"probabilities": np.asarray(model.predict_on_batch(x))}
        else:
            loaded = tf.saved_model.load(model_path)
            signature = loaded.signatures["serving_default"]
            spec = signature.structured_input_signature[1]["images"]
            self.channels = spec.shape[-1]
            self._call = lambda x: {
                k: v.numpy() for k, v in signature(images=tf.constant(x)).items()
            }

    def __call__(self, images: np.ndarray) -> np.ndarray:
        """(B, H, W) int class maps."""
        return np.argmax(self._call(images)["probabilities"], axis=-1)


def predict_files(model_path: str, image_paths, output_dir: str) -> list[dict]:
    """Predict each file; write ``<name>_mask.png`` (class ids) and a predictions.csv."""
    runner = _Runner(model_path)
    os.makedirs(output_dir, exist_ok=True)
    rows = []
    for path in image_paths:
        image = read_image_file(path, runner.channels)
        class_map = runner(image[None])[0].astype(np.uint8)
        stem = os.path.splitext(os.path.basename(path))[0]
        cv2.imwrite(os.path.join(output_dir, f"{stem}_mask.png"), class_map)
        counts = np.bincount(class_map.ravel(), minlength=len(CLASS_NAMES))
        row = {"image": path, "defective": bool(counts[1:].sum() > 0)}
        row.update(
            {f"{name}_pixels": int(c) for name, c in zip(CLASS_NAMES[1:], counts[1:], strict=True)}
        )
        rows.append(row)
    with open(os.path.join(output_dir, "predictions.csv"), "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return rows
