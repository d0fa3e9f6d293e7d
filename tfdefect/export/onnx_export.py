"""ONNX export through tf2onnx, verified in onnxruntime against Keras."""

from __future__ import annotations

import os
import tempfile

import numpy as np
import tensorflow as tf

from tfdefect.export.signatures import (
    is_image_spec,
    make_serving_functions,
    model_image_shape,
)

DEFAULT_OPSET = 17


class OnnxParityError(RuntimeError):
    """onnxruntime rejected the file or its outputs differ from Keras beyond tolerance."""


def export_onnx(
    model,
    path: str,
    *,
    sample_images: np.ndarray | dict | None = None,
    postprocess=None,
    opset: int = DEFAULT_OPSET,
    atol: float = 1e-3,
    overwrite: bool = True,
) -> float:
    """Convert the uint8 serving pipeline of ``model`` to ONNX and check it.

    The ONNX graph has one input ``images`` uint8 (B, H, W, C) (a multi-image model: one
    per model input, same names, e.g. ``reference`` and ``test``) and the same named
    outputs as the SavedModel's ``serving_default``. After conversion (tf2onnx, opset
    ``opset``) the file is loaded in onnxruntime and run on ``sample_images`` (an array, a
    dict by input name for multi-image models, or None for random uint8); every float
    output is compared with Keras on the same input.

    Returns:
        The maximum absolute difference over all float outputs.

    Raises:
        OnnxParityError: onnxruntime cannot load/run the file, or the difference > atol.
            The file is then not left at ``path``.
    """
    import onnxruntime as ort
    import tf2onnx

    if os.path.exists(path) and not overwrite:
        raise FileExistsError(f"{path} already exists")  # before the costly conversion
    serve_images, _, specs = make_serving_functions(model, postprocess)
    function = tf.function(serve_images, input_signature=specs)
    names = [spec.name for spec in specs]
    if sample_images is None:
        height, width, channels = model_image_shape(model)
        rng = np.random.default_rng(0)
        shape = (2, height or 64, width or 64, channels)
        sample_images = {
            spec.name: rng.integers(0, 256, shape, np.uint8)
            if is_image_spec(spec)
            else np.zeros([2 if d is None else d for d in spec.shape], spec.dtype.as_numpy_dtype)
            for spec in specs
        }
    if not isinstance(sample_images, dict):
        sample_images = {names[0]: sample_images}
    feeds = [sample_images[n] for n in names]
    expected = {k: np.asarray(v) for k, v in function(*map(tf.constant, feeds)).items()}

    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    temp_dir = tempfile.mkdtemp(dir=folder, prefix=".tmp-onnx-")
    temp_path = os.path.join(temp_dir, os.path.basename(path))
    try:
        tf2onnx.convert.from_function(
            function, input_signature=specs, opset=opset, output_path=temp_path
        )
        try:
            session = ort.InferenceSession(temp_path, providers=["CPUExecutionProvider"])
            names = [o.name for o in session.get_outputs()]
            got = dict(
                zip(
                    names,
                    session.run(
                        None, {i.name: sample_images[i.name] for i in session.get_inputs()}
                    ),
                    strict=True,
                )
            )
        except Exception as error:
            raise OnnxParityError(f"onnxruntime rejected {path}: {error}") from error
        max_diff = _max_difference(expected, got)
        if max_diff > atol:
            raise OnnxParityError(f"{path}: ONNX differs from Keras by {max_diff:.3g} > {atol}")
        os.replace(temp_path, path)
    finally:
        for leftover in os.listdir(temp_dir):
            os.remove(os.path.join(temp_dir, leftover))
        os.rmdir(temp_dir)
    return max_diff


def _max_difference(expected: dict, got: dict) -> float:
    missing = set(expected) - set(got)
    if missing:
        raise OnnxParityError(f"ONNX outputs lack {sorted(missing)}; it has {sorted(got)}")
    worst = 0.0
    for name, reference in expected.items():
        value = got[name]
        if reference.shape != value.shape:
            raise OnnxParityError(
                f"output {name}: ONNX shape {value.shape} vs Keras {reference.shape}"
            )
        if np.issubdtype(reference.dtype, np.floating):
            worst = max(worst, float(np.max(np.abs(reference - value))) if reference.size else 0.0)
        elif not np.array_equal(reference, value):
            # integer outputs (class maps) may flip where two probabilities tie closely
            mismatch = float(np.mean(reference != value))
            if mismatch > 1e-3:
                raise OnnxParityError(f"output {name}: {mismatch:.2%} of values differ")
    return worst
