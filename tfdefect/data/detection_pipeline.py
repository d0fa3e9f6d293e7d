"""tf.data pipeline for instance detection/segmentation examples (chips6 ``objects``)."""

from __future__ import annotations

import tensorflow as tf

from tfdefect.data.element_seeds import seed_or_fresh, with_element_seeds


def _pad(tensor, length):
    """Pad or cut the first axis of ``tensor`` to ``length``."""
    tensor = tensor[:length]
    padding = [[0, length - tf.shape(tensor)[0]]] + [[0, 0]] * (len(tensor.shape) - 1)
    return tf.pad(tensor, padding)


def to_detection_example(example, max_instances: int, keep_crowd: bool = False):
    """One TFDS chips6 example -> (image (H, W, C) uint8, targets dict).

    targets: boxes (G, 4) normalised y1, x1, y2, x2; classes (G,) int32 with 1.. for
    bump, dent, dot and 0 for padding; masks (G, H, W) uint8. G = ``max_instances``; a chip
    with more instances raises, so no defect is silently dropped. Crowd regions
    (``objects/is_crowd``) become padding (class 0: left out of training, as COCO does);
    with ``keep_crowd`` they keep their class and targets add ``crowd`` (G,) bool, so an
    evaluation can ignore detections on them.
    """
    objects = example["objects"]
    count = tf.shape(objects["label"])[0]
    tf.debugging.assert_less_equal(
        count,
        max_instances,
        message=f"a chip has more instances than max_instances={max_instances}; raise it",
    )
    classes = tf.cast(objects["label"], tf.int32) + 1
    crowd = objects["is_crowd"] if "is_crowd" in objects else tf.zeros_like(classes, tf.bool)
    targets = {
        "boxes": _pad(tf.cast(objects["bbox"], tf.float32), max_instances),
        "classes": _pad(classes if keep_crowd else tf.where(crowd, 0, classes), max_instances),
        "masks": _pad(tf.cast(objects["mask"], tf.uint8), max_instances),
    }
    if keep_crowd:
        targets["crowd"] = _pad(crowd, max_instances)
    return example["image"], targets


def detection_pipeline(
    dataset: tf.data.Dataset,
    *,
    batch_size: int,
    training: bool,
    max_instances: int = 8,
    shuffle_buffer: int = 256,
    seed: int | None = None,
    cache: bool = True,
    crop_size: int | None = None,
    defect_crop_probability: float = 0.7,
    keep_crowd: bool = False,
) -> tf.data.Dataset:
    """TFDS examples -> batches of (images (B, H, W, C) uint8, targets with (B, G, ...)).

    decode (TFDS) -> pad instances -> cache -> [shuffle -> flips -> crop] -> batch ->
    prefetch. Defect and defect-free chips stay mixed in every batch as they come.

    Args:
        seed: fixes the shuffle, flips and crops (with ``keras.utils.set_random_seed`` and
            TensorFlow op determinism a training run repeats exactly).
        crop_size: random ``crop_size`` squares (``random_instance_crop``), so a step costs
            a fraction of a whole chip; new crops every epoch in training, crops made once
            (then cached) otherwise. None keeps whole chips.
        defect_crop_probability: share of crops placed around a defect.
        keep_crowd: keep crowd regions with a ``crowd`` target (evaluation of whole images
            only: not with ``training`` or ``crop_size``); otherwise they are padding.
    """
    if keep_crowd and (training or crop_size):
        raise ValueError("keep_crowd is for evaluating whole images: not with training/crops")
    dataset = dataset.map(
        lambda ex: to_detection_example(ex, max_instances, keep_crowd),
        num_parallel_calls=tf.data.AUTOTUNE,
    )

    def crop(example, element_seed):
        image, targets = example
        return random_instance_crop(
            image, targets, crop_size, defect_crop_probability, seed=element_seed
        )

    def augment_and_crop(example, element_seed):
        flip_seed, crop_seed = tf.unstack(tf.random.split(element_seed, 2))
        example = _augment(*example, seed=flip_seed)
        return crop(example, crop_seed) if crop_size else example

    if crop_size and not training:
        # cropped once and cached: the same validation crops every epoch
        dataset = with_element_seeds(dataset, seed).map(crop, num_parallel_calls=tf.data.AUTOTUNE)
    if cache:
        dataset = dataset.cache()
    if training:
        dataset = dataset.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
        dataset = with_element_seeds(dataset, seed).map(
            augment_and_crop, num_parallel_calls=tf.data.AUTOTUNE
        )
    dataset = dataset.batch(batch_size, drop_remainder=training)
    return dataset.prefetch(tf.data.AUTOTUNE)


def _augment(image, targets, seed):
    """Random horizontal and vertical flips of image, masks and boxes together (``seed``: a
    (2,) stateless seed)."""
    boxes, masks = targets["boxes"], targets["masks"]
    valid = tf.cast(targets["classes"] > 0, tf.float32)[:, None]
    if_flip_x, if_flip_y = tf.unstack(tf.random.stateless_uniform([2], seed) < 0.5)
    image = tf.cond(if_flip_x, lambda: tf.reverse(image, [1]), lambda: image)
    masks = tf.cond(if_flip_x, lambda: tf.reverse(masks, [2]), lambda: masks)
    boxes = tf.cond(
        if_flip_x,
        lambda: tf.stack([boxes[:, 0], 1 - boxes[:, 3], boxes[:, 2], 1 - boxes[:, 1]], -1),
        lambda: boxes,
    )
    image = tf.cond(if_flip_y, lambda: tf.reverse(image, [0]), lambda: image)
    masks = tf.cond(if_flip_y, lambda: tf.reverse(masks, [1]), lambda: masks)
    boxes = tf.cond(
        if_flip_y,
        lambda: tf.stack([1 - boxes[:, 2], boxes[:, 1], 1 - boxes[:, 0], boxes[:, 3]], -1),
        lambda: boxes,
    )
    return image, {"boxes": boxes * valid, "classes": targets["classes"], "masks": masks}


def boxes_from_masks(masks):
    """Tight normalised boxes (G, 4) y1, x1, y2, x2 of (G, H, W) masks; zeros for empty ones."""
    masks = tf.cast(masks, tf.bool)
    height, width = tf.shape(masks)[1], tf.shape(masks)[2]
    rows = tf.reduce_any(masks, axis=2)  # (G, H)
    columns = tf.reduce_any(masks, axis=1)  # (G, W)

    def extent(hits, size):
        first = tf.argmax(tf.cast(hits, tf.int32), axis=1, output_type=tf.int32)
        last = size - tf.argmax(tf.cast(hits[:, ::-1], tf.int32), axis=1, output_type=tf.int32)
        return tf.cast(first, tf.float32) / tf.cast(size, tf.float32), tf.cast(
            last, tf.float32
        ) / tf.cast(size, tf.float32)

    y1, y2 = extent(rows, height)
    x1, x2 = extent(columns, width)
    present = tf.cast(tf.reduce_any(rows, axis=1), tf.float32)[:, None]
    return tf.stack([y1, x1, y2, x2], axis=-1) * present


def random_instance_crop(image, targets, crop_size, defect_crop_probability=0.7, seed=None):
    """A ``crop_size`` square of one example with its instances cut to match.

    With probability ``defect_crop_probability`` (and if the chip has a defect) the crop
    contains a randomly chosen defect's centre; otherwise it is placed uniformly. Boxes are
    recomputed from the cropped masks; an instance left with no pixel becomes padding
    (class 0), one cut by the border keeps its visible part. ``seed``: a (2,) stateless seed
    that fixes the crop (None: drawn from TensorFlow's global generator).
    """
    seed = seed_or_fresh(seed)
    seeds = tf.unstack(tf.random.split(seed, 6))
    height, width = tf.shape(image)[0], tf.shape(image)[1]
    classes = targets["classes"]
    valid = classes > 0
    uniform_y = tf.random.stateless_uniform([], seeds[0], 0, height - crop_size + 1, tf.int32)
    uniform_x = tf.random.stateless_uniform([], seeds[1], 0, width - crop_size + 1, tf.int32)
    priority = tf.where(valid, tf.random.stateless_uniform(tf.shape(classes), seeds[2]) + 1.0, 0.0)
    chosen = tf.argmax(priority, output_type=tf.int32)
    box = targets["boxes"][chosen] * tf.cast([height, width, height, width], tf.float32)
    centre_y = tf.cast((box[0] + box[2]) / 2, tf.int32)
    centre_x = tf.cast((box[1] + box[3]) / 2, tf.int32)
    # the centre lands anywhere in the crop but a 4 px margin
    margin = min(4, crop_size // 4)
    around_y = centre_y - tf.random.stateless_uniform(
        [], seeds[3], margin, crop_size - margin, tf.int32
    )
    around_x = centre_x - tf.random.stateless_uniform(
        [], seeds[4], margin, crop_size - margin, tf.int32
    )
    near_defect = tf.logical_and(
        tf.reduce_any(valid), tf.random.stateless_uniform([], seeds[5]) < defect_crop_probability
    )
    top = tf.clip_by_value(tf.where(near_defect, around_y, uniform_y), 0, height - crop_size)
    left = tf.clip_by_value(tf.where(near_defect, around_x, uniform_x), 0, width - crop_size)
    image = image[top : top + crop_size, left : left + crop_size]
    masks = targets["masks"][:, top : top + crop_size, left : left + crop_size]
    masks = masks * tf.cast(valid, masks.dtype)[:, None, None]
    boxes = boxes_from_masks(masks)
    kept = tf.reduce_any(masks > 0, axis=[1, 2])
    classes = tf.where(kept, classes, 0)
    image.set_shape([crop_size, crop_size, None])
    masks.set_shape([None, crop_size, crop_size])
    return image, {"boxes": boxes, "classes": classes, "masks": masks}
