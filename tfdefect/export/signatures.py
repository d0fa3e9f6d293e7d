"""Serving functions shared by the SavedModel and ONNX exports.

Encoded-image convention for ``serving_bytes`` (each string is one PNG or JPEG):

* 1-channel models: a grey image.
* 3-channel models: an RGB image.
* any other channel count C: one 8-bit grey PNG holding the C channels side by side,
  H x (C * W), channel 0 leftmost (for chips6: height, intensity, pattern, variance, pads,
  drill). ``encode_channel_mosaic`` writes this format.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf


def encode_channel_mosaic(image: np.ndarray) -> bytes:
    """PNG bytes of an (H, W, C) uint8 image in the ``serving_bytes`` format."""
    channels = image.shape[-1]
    if channels in (1, 3):
        return tf.io.encode_png(image).numpy()
    mosaic = np.concatenate([image[..., c] for c in range(channels)], axis=1)[..., None]
    return tf.io.encode_png(mosaic).numpy()


def decode_image_bytes(encoded: tf.Tensor, height, width, channels: int) -> tf.Tensor:
    """Decode one PNG/JPEG string into (H, W, C) uint8 following the module convention."""
    if channels in (1, 3):
        image = tf.io.decode_image(encoded, channels=channels, expand_animations=False)
    else:
        mosaic = tf.io.decode_image(encoded, channels=1, expand_animations=False)
        shape = tf.shape(mosaic)
        tf.debugging.assert_equal(
            shape[1] % channels, 0, message=f"mosaic width must be a multiple of {channels}"
        )
        tile_width = shape[1] // channels
        image = tf.reshape(mosaic, [shape[0], channels, tile_width])
        image = tf.transpose(image, [0, 2, 1])
    image = tf.ensure_shape(image, [height, width, channels])
    return image


def model_output_dict(model, outputs) -> dict:
    """Name a model's outputs: dict outputs keep their keys, others take ``model.output_names``."""
    if isinstance(outputs, dict):
        return dict(outputs)
    if not isinstance(outputs, (list, tuple)):
        outputs = [outputs]
    names = getattr(model, "output_names", None) or [f"output_{i}" for i in range(len(outputs))]
    return dict(zip(names, outputs, strict=True))


def model_image_shape(model) -> tuple:
    """(H, W, C) of a model's image input(s); H and W may be None (any size)."""
    shape = getattr(model, "image_shape", None)
    if shape is not None:
        return tuple(shape)
    if isinstance(model.input, dict):
        return tuple(model.inputs[0].shape[1:])
    return tuple(model.input_shape[1:])


def named_inputs(model) -> list[tuple[str, tuple, str]] | None:
    """(name, shape without batch, dtype) of each input of a dict-input model (e.g. MPB3's
    reference and test crops, or the cached model's test crop and position id), in the
    model's order; None for a single-image model."""
    try:
        inputs = model.input
    except (AttributeError, ValueError):  # a subclassed model with no functional input
        return None
    if not isinstance(inputs, dict):
        return None
    return [
        (tensor.name.split(":")[0], tuple(tensor.shape[1:]), str(tensor.dtype))
        for tensor in model.inputs
    ]


def is_image_spec(spec: tf.TensorSpec) -> bool:
    """Whether a serving input is an image batch (uint8, (B, H, W, C))."""
    return spec.dtype == tf.uint8 and spec.shape.rank == 4


def bytes_specs(specs: list) -> list:
    """The ``serving_bytes`` inputs: ``encoded_<name>`` strings for image inputs, other
    inputs (e.g. a position id) unchanged."""
    return [
        tf.TensorSpec([None], tf.string, name=f"encoded_{spec.name}")
        if is_image_spec(spec)
        else spec
        for spec in specs
    ]


def make_serving_functions(model, postprocess=None):
    """Build the uint8 and encoded-bytes serving functions of ``model``.

    Args:
        model: a Keras model taking (B, H, W, C) pixel values 0..255 (normalisation in graph),
            or a dict of named inputs: images (all the same shape) and optionally non-image
            inputs such as a (B,) int32 position id, which are passed through unchanged.
        postprocess: optional ``fn(named_outputs: dict) -> dict`` adding derived outputs
            (for example a class map).

    Returns:
        (serve_images, serve_bytes, specs): two undecorated functions taking one batch per
        input (uint8 images, or encoded strings for ``serve_bytes``; see :func:`bytes_specs`),
        and the list of input TensorSpecs, named ``images`` for a single-input model or after
        the model's inputs.
    """
    height, width, channels = model_image_shape(model)
    inputs = named_inputs(model)
    image_shape = [None, height, width, channels]
    if inputs is None:
        specs = [tf.TensorSpec(image_shape, tf.uint8, name="images")]
    else:
        specs = [
            tf.TensorSpec(image_shape, tf.uint8, name=name)
            if len(shape) == 3
            else tf.TensorSpec([None, *shape], dtype, name=name)
            for name, shape, dtype in inputs
        ]

    def serve_images(*tensors):
        values = [
            tf.cast(t, tf.float32) if is_image_spec(spec) else t
            for t, spec in zip(tensors, specs, strict=True)
        ]
        named = dict(zip([s.name for s in specs], values, strict=True)) if inputs else values[0]
        outputs = model_output_dict(model, model(named, training=False))
        return postprocess(outputs) if postprocess else outputs

    def decode(encoded_images):
        return tf.map_fn(
            lambda e: decode_image_bytes(e, height, width, channels),
            encoded_images,
            fn_output_signature=tf.TensorSpec([height, width, channels], tf.uint8),
        )

    def serve_bytes(*tensors):
        return serve_images(
            *[
                decode(t) if is_image_spec(spec) else t
                for t, spec in zip(tensors, specs, strict=True)
            ]
        )

    return serve_images, serve_bytes, specs
