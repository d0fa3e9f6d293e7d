"""Serving functions shared by the SavedModel and ONNX exports.

Encoded-image convention for ``serving_bytes`` (each string is one PNG or JPEG):

* 1-channel models: a grey image.
* 3-channel models: an RGB image.
* any other channel count C: one 8-bit grey PNG holding the C channels side by side,
  H x (C * W), channel 0 leftmost (for chips6: height, intensity, pattern, variance, pads,
  drill). ``encode_channel_mosaic`` writes this format.

The serving contract (SavedModel signatures): every input is declared with unknown sizes
and checked inside the graph before the model sees it, so a request of the wrong rank,
size or channel count gets an ``InvalidArgument`` error that names the input, what was
expected and what came, instead of a process abort deep in a kernel or a result of the
wrong length. An empty batch returns empty outputs. TF Serving runs the signatures as
graphs and does not check shapes against the declared signature itself.
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
            shape[1] % channels,
            0,
            message=f"encoded image: a {channels}-channel model takes a grey mosaic whose "
            f"width is {channels} x the image width",
        )
        tile_width = shape[1] // channels
        image = tf.reshape(mosaic, [shape[0], channels, tile_width])
        image = tf.transpose(image, [0, 2, 1])
    return checked_shape(image, [height, width, channels], "encoded image", "decoded shape")


def checked_shape(tensor: tf.Tensor, expected: list, name: str, what: str = "shape"):
    """``tensor`` after an in-graph check that its runtime shape is ``expected``.

    ``expected`` lists ints or None (any size); the check works for any runtime rank and
    cannot be folded away from a declared shape, and the model's ops depend on it, so they
    never run on a bad request. Raises InvalidArgument "<name>: expected ..., got ...".
    """
    pattern = ",".join(r"\d+" if size is None else str(int(size)) for size in expected)
    actual = tf.strings.reduce_join(tf.strings.as_string(tf.shape(tensor)), separator=",")
    readable = "(" + ", ".join("any" if s is None else str(s) for s in expected) + ")"
    tensor = _after_assert(
        tensor,
        tf.strings.regex_full_match(actual, pattern),
        [f"{name}: expected {tensor.dtype.name} {what} {readable}; got", tf.shape(tensor)],
    )
    return tf.ensure_shape(tensor, expected)


def _after_assert(tensor: tf.Tensor, condition, data: list) -> tf.Tensor:
    """``tensor`` behind an Assert of ``condition`` (InvalidArgument with ``data`` when it
    fails): every op that uses the result waits for the check."""
    check = tf.debugging.Assert(condition, data)
    with tf.control_dependencies([check]):
        return tf.identity(tensor)


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
    try:
        if isinstance(model.input, dict):
            return tuple(model.inputs[0].shape[1:])
    except AttributeError:  # a loaded Sequential keeps only its input_shape
        pass
    try:
        return tuple(model.input_shape[1:])
    except AttributeError:
        raise ValueError(
            f"model {model.name!r} has no defined input; build it on an input first"
        ) from None


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


def relaxed_specs(specs: list) -> list:
    """The same inputs with every size unknown (rank kept), as the SavedModel declares
    them: the sizes are then checked in the graph (see :func:`checked_shape`)."""
    return [tf.TensorSpec([None] * spec.shape.rank, spec.dtype, name=spec.name) for spec in specs]


def checked_range(tensor: tf.Tensor, low: int, high: int, name: str) -> tf.Tensor:
    """``tensor`` after an in-graph check that every value is in [low, high)."""
    return _after_assert(
        tensor,
        tf.reduce_all((tensor >= low) & (tensor < high)),
        [f"{name}: values must be in [{low}, {high}); got", tensor],
    )


def _guard_batch(tensors: list, specs: list, ranges: dict) -> tuple[list, tf.Tensor]:
    """Check every input's shape (and value range where ``ranges`` gives one) and a
    common batch size; pad an empty batch to one item so that every model runs (its
    outputs are sliced back to the batch size).

    Returns (inputs for the model, batch size)."""
    checked = [
        checked_shape(t, spec.shape.as_list(), spec.name)
        for t, spec in zip(tensors, specs, strict=True)
    ]
    checked = [
        checked_range(t, *ranges[spec.name], spec.name) if spec.name in ranges else t
        for t, spec in zip(checked, specs, strict=True)
    ]
    batch = tf.shape(checked[0])[0]
    for tensor, spec in zip(checked[1:], specs[1:], strict=True):
        tf.debugging.assert_equal(
            tf.shape(tensor)[0],
            batch,
            message=f"{spec.name}: batch size differs from {specs[0].name}'s",
        )
    padded = []
    for tensor in checked:
        filler = tf.zeros(tf.concat([[1], tf.shape(tensor)[1:]], 0), tensor.dtype)
        padded.append(tf.concat([tensor, filler], 0)[: tf.maximum(batch, 1)])
    return padded, batch


def make_serving_functions(model, postprocess=None, guarded: bool = False):
    """Build the uint8 and encoded-bytes serving functions of ``model``.

    Args:
        model: a Keras model taking (B, H, W, C) pixel values 0..255 (normalisation in graph),
            or a dict of named inputs: images (all the same shape) and optionally non-image
            inputs such as a (B,) int32 position id, which are passed through unchanged.
        postprocess: optional ``fn(named_outputs: dict) -> dict`` adding derived outputs
            (for example a class map).
        guarded: check every request in the graph (shapes; the value ranges a model
            states in ``input_value_ranges()``) and answer an empty batch with empty
            outputs (the SavedModel contract; pair with :func:`relaxed_specs`). The ONNX
            export leaves this off: onnxruntime checks inputs against the declared dims.

    Returns:
        (serve_images, serve_bytes, specs): two undecorated functions taking one batch per
        input (uint8 images, or encoded strings for ``serve_bytes``; see :func:`bytes_specs`),
        and the list of input TensorSpecs with their full shapes, named ``images`` for a
        single-input model or after the model's inputs.
    """
    height, width, channels = model_image_shape(model)
    inputs = named_inputs(model)
    ranges = model.input_value_ranges() if hasattr(model, "input_value_ranges") else {}
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

    def run_model(tensors):
        values = [
            tf.cast(t, tf.float32) if is_image_spec(spec) else t
            for t, spec in zip(tensors, specs, strict=True)
        ]
        named = dict(zip([s.name for s in specs], values, strict=True)) if inputs else values[0]
        outputs = model_output_dict(model, model(named, training=False))
        return postprocess(outputs) if postprocess else outputs

    def serve_images(*tensors):
        if not guarded:
            return run_model(tensors)
        padded, batch = _guard_batch(list(tensors), specs, ranges)
        return {name: value[:batch] for name, value in run_model(padded).items()}

    def decode(encoded_images, name):
        if guarded:
            encoded_images = checked_shape(encoded_images, [None], name, "batch of strings")
        return tf.map_fn(
            lambda e: decode_image_bytes(e, height, width, channels),
            encoded_images,
            fn_output_signature=tf.TensorSpec([height, width, channels], tf.uint8),
        )

    def serve_bytes(*tensors):
        return serve_images(
            *[
                decode(t, f"encoded_{spec.name}") if is_image_spec(spec) else t
                for t, spec in zip(tensors, specs, strict=True)
            ]
        )

    return serve_images, serve_bytes, specs
