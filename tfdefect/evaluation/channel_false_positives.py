"""Confident detections lying on a structure that one input channel shows (e.g. drill holes)."""

from __future__ import annotations

import numpy as np


def detections_on_channel(
    model,
    dataset,
    channel: int,
    class_ids,
    score_threshold: float,
    min_overlap: float = 0.25,
    channel_threshold: int = 128,
) -> int:
    """Count detections of ``class_ids`` that lie on the bright pixels of one input channel.

    On chips6 no defect touches a drill hole (the generator rejects such masks), so a dent or
    dot detection on the drill channel is a false positive that a model seeing only the first
    three channels cannot avoid by looking.

    Args:
        model: a detector as in ``evaluate_detector``; it sees the first
            ``model.image_shape[-1]`` channels.
        dataset: (images (B, H, W, C), targets) batches of whole images; ``channel`` indexes
            C (the channel may lie beyond what the model sees).
        channel: the channel whose pixels >= ``channel_threshold`` mark the structure.
        class_ids: the detected class ids counted.
        score_threshold: detections below this score are not counted.
        min_overlap: fraction of a detection's mask pixels that must lie on the structure.
        channel_threshold: uint8 level above which a channel pixel belongs to the structure.

    Returns:
        the number of such detections over ``dataset``.
    """
    if not 0 < min_overlap <= 1:
        raise ValueError(f"min_overlap {min_overlap}: must be in (0, 1]")
    seen = model.image_shape[-1]
    counted = 0
    for images, _ in dataset:
        if channel >= images.shape[-1]:
            raise ValueError(f"channel {channel}: the images have {images.shape[-1]} channels")
        outputs = model.predict_on_batch(images[..., :seen])
        structure = np.asarray(images[..., channel]) >= channel_threshold
        for b in range(len(outputs["num_detections"])):
            n = int(outputs["num_detections"][b])
            for k in range(n):
                if float(outputs["scores"][b, k]) < score_threshold:
                    continue
                if int(outputs["class_ids"][b, k]) not in class_ids:
                    continue
                mask = np.asarray(outputs["masks"][b, k]) > 0
                area = mask.sum()
                if area and (mask & structure[b]).sum() >= min_overlap * area:
                    counted += 1
    return counted
