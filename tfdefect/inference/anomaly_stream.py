"""``tfdefect stream``: anomaly scores of a video file or camera, frame by frame, through
``Predictor`` (any export format of an anomaly model), with an optional annotated video."""

from __future__ import annotations

import logging
import os
import tempfile
import time

import cv2
import numpy as np

logger = logging.getLogger(__name__)


def overlay(image: np.ndarray, anomaly_map: np.ndarray, mask: np.ndarray, scale: float):
    """(h, w, 3) BGR picture at the map's size (h, w): the (H, W, 3) RGB image with the
    anomaly heatmap (0..scale) and the outline of the (h, w) bool mask."""
    height, width = anomaly_map.shape
    base = cv2.cvtColor(cv2.resize(image, (width, height)), cv2.COLOR_RGB2BGR)
    heat = np.clip(anomaly_map / max(scale, 1e-12) * 255, 0, 255).astype(np.uint8)
    picture = cv2.addWeighted(base, 0.6, cv2.applyColorMap(heat, cv2.COLORMAP_JET), 0.4, 0)
    contours, _ = cv2.findContours(
        mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE
    )
    cv2.drawContours(picture, contours, -1, (255, 255, 255), 1)
    return picture


def check_video_output(output: str, overwrite: bool = False) -> None:
    """Refuse an annotated-video path that cannot be written or would replace a file."""
    if os.path.isdir(output):
        raise ValueError(f"--output {output} is a folder; give a video file (.avi)")
    if os.path.exists(output) and not overwrite:
        raise FileExistsError(f"--output {output} exists; choose another file or --overwrite")
    if os.path.splitext(output)[1].lower() != ".avi":
        raise ValueError(f"--output {output}: the annotated video is MJPG in an .avi file")


def _open_writer(path: str, size: tuple[int, int]):
    writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"MJPG"), 10.0, size)
    if not writer.isOpened():
        raise ValueError(f"{path}: OpenCV cannot write an MJPG video here")
    return writer


def stream(
    model_path: str,
    source,
    max_frames: int | None = None,
    output: str | None = None,
    overwrite: bool = False,
):
    """Score the frames of a video file or camera (OpenCV index), printing per-frame score
    and frames/s; optionally write an annotated video to ``output`` (an ``.avi``; its
    folder is made). The video is written to a temporary file beside ``output`` and
    renamed when the stream ends, so an existing file is replaced only with ``overwrite``
    and only by a finished video.

    Returns a list of (frame index, score, is_anomalous).
    """
    from tfdefect.inference.predictor import Predictor

    if output:
        check_video_output(output, overwrite)
    predictor = Predictor(model_path, batch_size=1)
    if predictor.task != "anomaly":
        raise ValueError(f"{model_path}: a {predictor.task} model, not an anomaly model")
    capture_source = int(source) if str(source).isdigit() else source
    if isinstance(capture_source, str) and not os.path.isfile(capture_source):
        raise FileNotFoundError(f"{source}: no such video file")
    capture = cv2.VideoCapture(capture_source)
    if not capture.isOpened():
        raise ValueError(f"{source}: OpenCV cannot open this video or camera")
    temp = None
    if output:
        folder = os.path.dirname(os.path.abspath(output))
        os.makedirs(folder, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=".avi")
        os.close(handle)
    writer, results, started = None, [], time.time()
    try:
        while max_frames is None or len(results) < max_frames:
            ok, frame = capture.read()
            if not ok:
                break
            rgb = cv2.cvtColor(frame, cv2.COLOR_BGR2RGB)
            result = predictor.predict(rgb)[0]
            score, flagged = result.pred_score, result.pred_label
            results.append((len(results), score, flagged))
            rate = len(results) / (time.time() - started)
            logger.info(
                f"frame {len(results) - 1}: score {score:.4f}{' ANOMALY' if flagged else ''} "
                f"({rate:.1f} frames/s)"
            )
            if temp:
                picture = overlay(rgb, result.anomaly_map, result.pred_mask, max(score, 1e-6))
                if writer is None:
                    writer = _open_writer(temp, picture.shape[1::-1])
                writer.write(picture)
        if not results:
            raise ValueError(f"{source}: no frame could be read")
        if writer is not None:
            writer.release()
            writer = None
            os.chmod(temp, 0o644)  # mkstemp's 0600 is not what a video file is given
            os.replace(temp, output)
    finally:
        capture.release()
        if writer is not None:
            writer.release()
        if temp and os.path.exists(temp):
            os.remove(temp)
    logger.info(f"{len(results)} frames, {len(results) / (time.time() - started):.1f} frames/s")
    return results
