"""Anomaly detection on image files, folders and video streams with an exported PaDiM
(SavedModel) or a .keras model."""

from __future__ import annotations

import csv
import os
import time

import cv2
import numpy as np

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")


class AnomalyRunner:
    """Runs a model whose outputs are anomaly_map, score, is_anomalous and mask.

    Args:
        model_path: a SavedModel version folder (``serving_default`` is called) or a
            ``.keras`` file of ``tfdefect.models.padim.Padim``.

    ``runner(images)`` takes (B, H, W, 3) uint8 RGB, or a list of images of any sizes,
    resizes each to the model's input and returns numpy outputs at the model's resolution.
    """

    def __init__(self, model_path: str):
        import tensorflow as tf

        if not os.path.exists(model_path):
            raise FileNotFoundError(f"{model_path}: no such model")
        if model_path.endswith(".keras"):
            import keras

            import tfdefect.models  # noqa: F401  (registers the custom classes)

            model = keras.saving.load_model(model_path)
            self.image_size = tuple(model.image_shape[:2])
            self._call = lambda x: {k: np.asarray(v) for k, v in model(x).items()}
        else:
            signature = tf.saved_model.load(model_path).signatures["serving_default"]
            if "anomaly_map" not in signature.structured_outputs:
                raise ValueError(f"{model_path}: not an anomaly model (no anomaly_map output)")
            spec = signature.structured_input_signature[1]["images"]
            self.image_size = tuple(spec.shape[1:3])
            self._call = lambda x: {
                k: v.numpy() for k, v in signature(images=tf.constant(x)).items()
            }

    def __call__(self, images: np.ndarray) -> dict:
        height, width = self.image_size
        resized = np.stack(
            [cv2.resize(i, (width, height), interpolation=cv2.INTER_AREA) for i in images]
        )
        return self._call(resized.astype(np.uint8))


def is_anomaly_model(model_path: str) -> bool:
    """True for a SavedModel with an ``anomaly_map`` output or a .keras PaDiM."""
    if model_path.endswith(".keras"):
        import zipfile

        with zipfile.ZipFile(model_path) as archive:
            return b'"Padim"' in archive.read("config.json")
    import tensorflow as tf

    signature = tf.saved_model.load(model_path).signatures["serving_default"]
    return "anomaly_map" in signature.structured_outputs


def list_image_files(inputs) -> list[str]:
    """Files given directly, plus every image under the folders given (sorted, recursive)."""
    files = []
    for item in inputs:
        if os.path.isdir(item):
            found = sorted(
                os.path.join(root, name)
                for root, _, names in os.walk(item)
                for name in names
                if name.lower().endswith(IMAGE_EXTENSIONS)
            )
            if not found:
                raise ValueError(f"{item}: folder holds no images ({', '.join(IMAGE_EXTENSIONS)})")
            files += found
        elif os.path.isfile(item):
            files.append(item)
        else:
            raise FileNotFoundError(f"{item}: no such file or folder")
    return files


def read_rgb(path: str) -> np.ndarray:
    """(H, W, 3) uint8 RGB; grey files are expanded to three channels."""
    image = cv2.imread(path, cv2.IMREAD_COLOR)
    if image is None:
        raise ValueError(f"{path}: not a readable image")
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


def overlay(image: np.ndarray, anomaly_map: np.ndarray, mask: np.ndarray, scale: float):
    """BGR picture: the image with the anomaly heatmap (0..scale) and the mask outline."""
    height, width = anomaly_map.shape
    base = cv2.cvtColor(cv2.resize(image, (width, height)), cv2.COLOR_RGB2BGR)
    heat = np.clip(anomaly_map / max(scale, 1e-12) * 255, 0, 255).astype(np.uint8)
    picture = cv2.addWeighted(base, 0.6, cv2.applyColorMap(heat, cv2.COLORMAP_JET), 0.4, 0)
    contours, _ = cv2.findContours(
        mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE
    )
    cv2.drawContours(picture, contours, -1, (255, 255, 255), 1)
    return picture


def predict_anomaly_files(model_path: str, inputs, output_dir: str, batch_size: int = 8):
    """Score image files and folders; write ``<name>_overlay.png`` and ``scores.csv``.

    Returns the CSV rows: image, score, is_anomalous, anomalous_pixels.
    """
    runner = AnomalyRunner(model_path)
    files = list_image_files(inputs)
    os.makedirs(output_dir, exist_ok=True)
    rows = []
    for start in range(0, len(files), batch_size):
        chunk = files[start : start + batch_size]
        images = [read_rgb(path) for path in chunk]
        outputs = runner(images)  # the runner resizes each image to the model's input
        scale = float(np.max(outputs["anomaly_map"]))
        for i, path in enumerate(chunk):
            stem = os.path.splitext(os.path.relpath(path))[0].replace(os.sep, "__").lstrip("._")
            picture = overlay(images[i], outputs["anomaly_map"][i], outputs["mask"][i], scale)
            cv2.imwrite(os.path.join(output_dir, f"{stem}_overlay.png"), picture)
            rows.append(
                {
                    "image": path,
                    "score": round(float(outputs["score"][i]), 5),
                    "is_anomalous": bool(outputs["is_anomalous"][i]),
                    "anomalous_pixels": int(np.sum(outputs["mask"][i] > 0)),
                }
            )
        print(f"{len(rows)}/{len(files)} images", flush=True)
    with open(os.path.join(output_dir, "scores.csv"), "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return rows


def stream(model_path: str, source, max_frames: int | None = None, output: str | None = None):
    """Score the frames of a video file or camera (OpenCV index), printing per-frame score
    and frames/s; optionally write an annotated video to ``output``.

    Returns a list of (frame index, score, is_anomalous).
    """
    runner = AnomalyRunner(model_path)
    capture_source = int(source) if str(source).isdigit() else source
    if isinstance(capture_source, str) and not os.path.isfile(capture_source):
        raise FileNotFoundError(f"{source}: no such video file")
    capture = cv2.VideoCapture(capture_source)
    if not capture.isOpened():
        raise ValueError(f"{source}: OpenCV cannot open this video or camera")
    writer, results, started = None, [], time.time()
    try:
        while max_frames is None or len(results) < max_frames:
            ok, frame = capture.read()
            if not ok:
                break
            outputs = runner(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)[None])
            score, flagged = float(outputs["score"][0]), bool(outputs["is_anomalous"][0])
            results.append((len(results), score, flagged))
            rate = len(results) / (time.time() - started)
            print(
                f"frame {len(results) - 1}: score {score:.4f}{' ANOMALY' if flagged else ''} "
                f"({rate:.1f} frames/s)",
                flush=True,
            )
            if output:
                picture = overlay(
                    cv2.cvtColor(frame, cv2.COLOR_BGR2RGB),
                    outputs["anomaly_map"][0],
                    outputs["mask"][0],
                    max(score, 1e-6),
                )
                if writer is None:
                    height, width = picture.shape[:2]
                    fourcc = cv2.VideoWriter_fourcc(*"MJPG")
                    writer = cv2.VideoWriter(output, fourcc, 10.0, (width, height))
                writer.write(picture)
    finally:
        capture.release()
        if writer is not None:
            writer.release()
    if not results:
        raise ValueError(f"{source}: no frame could be read")
    print(f"{len(results)} frames, {len(results) / (time.time() - started):.1f} frames/s")
    return results
