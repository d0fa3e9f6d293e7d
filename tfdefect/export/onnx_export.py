"""ONNX export through tf2onnx, verified in onnxruntime against Keras."""

from __future__ import annotations

import os

import numpy as np
import tensorflow as tf

from tfdefect.atomic_files import make_temp_dir
from tfdefect.export.metadata import ModelMetadata, onnx_metadata_props
from tfdefect.export.onnx_fusions import fuse_layer_norms
from tfdefect.export.onnx_weights import attach_weights, weight_input_function
from tfdefect.export.signatures import (
    is_image_spec,
    make_serving_functions,
    model_image_shape,
)

DEFAULT_OPSET = 17
# weights of models over protobuf's 2 GiB limit lie in <model>.onnx.data beside the model
EXTERNAL_DATA_SUFFIX = ".data"


class OnnxParityError(RuntimeError):
    """onnxruntime rejected the file or its outputs differ from Keras beyond tolerance."""


def export_onnx(
    model,
    path: str,
    *,
    sample_images: np.ndarray | dict | None = None,
    postprocess=None,
    metadata: ModelMetadata | None = None,
    opset: int = DEFAULT_OPSET,
    atol: float = 1e-3,
    overwrite: bool = True,
) -> float:
    """Convert the uint8 serving pipeline of ``model`` to ONNX and check it.

    The ONNX graph has one input ``images`` uint8 (batch, H, W, C) (a multi-image model:
    one per model input, same names, e.g. ``reference`` and ``test``) and the same named
    outputs as the SavedModel's ``serving_default``; the leading dimension of inputs and
    outputs is named ``batch``. ``metadata`` goes into ``metadata_props``. After
    conversion (tf2onnx, opset ``opset``) the file is loaded in onnxruntime and run on
    ``sample_images`` (an array, a dict by input name for multi-image models, or None for
    random uint8); every float output is compared with Keras on the same input. The weights
    are initializers of the file; past 1.5 GiB of them they go to ``<path>.data`` beside it
    (ONNX external data: keep the two files together).

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
    sample_images = sample_feeds(model, sample_images, specs)
    feeds = [sample_images[n] for n in names]
    expected = {k: np.asarray(v) for k, v in function(*map(tf.constant, feeds)).items()}

    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    temp_dir = make_temp_dir(folder, "onnx")
    temp_path = os.path.join(temp_dir, os.path.basename(path))
    try:
        # weights enter as inputs and are attached as initializers afterwards: tf2onnx's
        # peak memory then no longer grows with the weights (onnx_weights)
        with_weights, weight_specs, variables = weight_input_function(model, serve_images, specs)
        proto, _ = tf2onnx.convert.from_function(
            with_weights, input_signature=[*specs, *weight_specs], opset=opset
        )
        data_file = attach_weights(
            proto, weight_specs, variables, data_path=f"{temp_path}{EXTERNAL_DATA_SUFFIX}"
        )
        fuse_layer_norms(proto)
        name_batch_dimension(proto)
        set_metadata(proto, metadata)
        save_onnx(proto, temp_path)
        del proto
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
        if data_file is not None:  # the data file first: the model names it
            os.replace(data_file, f"{path}{EXTERNAL_DATA_SUFFIX}")
        os.replace(temp_path, path)
    finally:
        for leftover in os.listdir(temp_dir):
            os.remove(os.path.join(temp_dir, leftover))
        os.rmdir(temp_dir)
    return max_diff


def sample_feeds(model, sample_images, specs) -> dict:
    """Sample inputs by name for the serving ``specs``: the caller's, or random uint8 images
    (and zero ids)."""
    if sample_images is None:
        height, width, channels = model_image_shape(model)
        rng = np.random.default_rng(0)
        shape = (2, height or 64, width or 64, channels)
        return {
            spec.name: rng.integers(0, 256, shape, np.uint8)
            if is_image_spec(spec)
            else np.zeros([2 if d is None else d for d in spec.shape], spec.dtype.as_numpy_dtype)
            for spec in specs
        }
    if not isinstance(sample_images, dict):
        return {specs[0].name: sample_images}
    return sample_images


def attach_onnx_metadata(path: str, metadata: ModelMetadata | None) -> None:
    """Name the dynamic leading dimension of every input and output of the ONNX file at
    ``path`` ``batch`` and store the metadata as ``metadata_props``."""
    import onnx

    model = onnx.load(path, load_external_data=False)  # external weights stay where they are
    name_batch_dimension(model)
    set_metadata(model, metadata)
    save_onnx(model, path)


def name_batch_dimension(proto) -> None:
    """Name the dynamic leading dimension of every input and output ``batch`` (tf2onnx
    writes ``unk__N``)."""
    for value in list(proto.graph.input) + list(proto.graph.output):
        dims = value.type.tensor_type.shape.dim
        if dims and not dims[0].HasField("dim_value"):
            dims[0].dim_param = "batch"


def set_metadata(proto, metadata: ModelMetadata | None) -> None:
    """Store ``metadata`` as the model's ``metadata_props`` (replacing any)."""
    if metadata is None:
        return
    del proto.metadata_props[:]
    for key, value in onnx_metadata_props(metadata).items():
        entry = proto.metadata_props.add()
        entry.key, entry.value = key, value


def save_onnx(proto, path: str) -> None:
    """Write ``proto`` to ``path`` as one file (the 2 GiB protobuf limit is named if hit)."""
    import onnx

    if proto.ByteSize() >= 2**31:
        raise ValueError(
            f"{path}: the ONNX graph is over 2 GiB, protobuf's limit for one file, without "
            "its weights (which go to external data): a graph this large is not supported"
        )
    onnx.save(proto, path)


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
