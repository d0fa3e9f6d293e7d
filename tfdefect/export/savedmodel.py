"""SavedModel export in the TF Serving layout ``<base>/<version>/``."""

from __future__ import annotations

import os

import keras

from tfdefect.atomic_files import publish_version, remove_stale_temp_dirs
from tfdefect.export.metadata import ModelMetadata, write_savedmodel_metadata
from tfdefect.export.serving_config import update_models_config
from tfdefect.export.signatures import bytes_specs, make_serving_functions, relaxed_specs


def write_savedmodel(
    model, folder: str, *, postprocess=None, metadata: ModelMetadata | None = None
) -> None:
    """Write the SavedModel of ``model``'s whole inference pipeline into ``folder``.

    Two signatures under the tag ``serve``, both checking every request in the graph
    (rank, sizes, channels; see ``tfdefect.export.signatures``):

    * ``serving_default``: ``images`` uint8 (B, H, W, C) -> named outputs.
    * ``serving_bytes``: ``encoded_images`` string (B,) of PNG/JPEG -> the same outputs.

    Multi-input models (MPB3) take one input per model input under the same names.
    ``metadata`` is written to ``assets.extra/tfdefect.json``.
    """
    serve_images, serve_bytes, specs = make_serving_functions(model, postprocess, guarded=True)
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint("serving_default", serve_images, input_signature=relaxed_specs(specs))
    archive.add_endpoint(
        "serving_bytes", serve_bytes, input_signature=relaxed_specs(bytes_specs(specs))
    )
    archive.write_out(folder, verbose=False)
    if metadata is not None:
        write_savedmodel_metadata(folder, metadata)


def export_savedmodel(
    model,
    base_path: str,
    version: int = 1,
    *,
    postprocess=None,
    metadata: ModelMetadata | None = None,
    overwrite: bool = False,
    write_models_config: bool = True,
    verbose: bool = False,
) -> str:
    """Export ``model`` as ``<base_path>/<version>/`` for TF Serving, atomically.

    The SavedModel (see :func:`write_savedmodel`) is written into a hidden temporary
    folder beside the target and renamed into place when complete.
    ``<dirname(base_path)>/models.config`` lists the model. Use
    ``tfdefect.export.publish_model`` to publish the next free version with its ONNX file.

    Args:
        model: Keras model taking (B, H, W, C) pixel values.
        base_path: model folder, e.g. ``saved_models/unet``; its basename is the model name.
        version: positive integer version folder.
        postprocess: optional ``fn(dict) -> dict`` adding derived outputs.
        metadata: what callers need besides the graph (task, class names ...).
        overwrite: replace an existing version (atomically) instead of failing.
        write_models_config: add/update the TF Serving models.config beside base_path.

    Returns:
        The path of the version folder.
    """
    if not isinstance(version, int) or version < 1:
        raise ValueError(f"version must be a positive integer, got {version!r}")
    final_dir = os.path.join(base_path, str(version))
    if os.path.exists(final_dir) and not overwrite:
        raise FileExistsError(f"{final_dir} already exists; pass overwrite=True or a new version")
    os.makedirs(base_path, exist_ok=True)
    remove_stale_temp_dirs(base_path)
    if metadata is not None:
        metadata = metadata.replace(version=version)
    final_dir = publish_version(
        base_path,
        version,
        lambda folder: write_savedmodel(model, folder, postprocess=postprocess, metadata=metadata),
        overwrite,
    )
    if write_models_config:
        update_models_config(
            os.path.dirname(os.path.abspath(base_path)),
            os.path.basename(os.path.normpath(base_path)),
            base_path,
        )
    return final_dir
