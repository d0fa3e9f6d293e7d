"""SavedModel export in the TF Serving layout ``<base>/<version>/``."""

from __future__ import annotations

import os
import shutil
import tempfile

import keras

from tfdefect.export.atomic import publish_directory
from tfdefect.export.serving_config import update_models_config
from tfdefect.export.signatures import bytes_specs, make_serving_functions


def export_savedmodel(
    model,
    base_path: str,
    version: int = 1,
    *,
    postprocess=None,
    overwrite: bool = False,
    write_models_config: bool = True,
    verbose: bool = False,
) -> str:
    """Export ``model`` as ``<base_path>/<version>/`` for TF Serving, atomically.

    The graph holds the whole inference pipeline (uint8 -> float -> the model's own
    normalisation -> outputs), with two signatures under the tag ``serve``:

    * ``serving_default``: ``images`` uint8 (B, H, W, C) -> named outputs.
    * ``serving_bytes``: ``encoded_images`` string (B,) of PNG/JPEG -> the same outputs
      (multi-channel encoding: see ``tfdefect.export.signatures``).

    The SavedModel is written into a hidden temporary folder beside the target and renamed
    into place when complete. ``<dirname(base_path)>/models.config`` lists the model.

    Args:
        model: Keras model taking (B, H, W, C) pixel values.
        base_path: model folder, e.g. ``saved_models/unet``; its basename is the model name.
        version: positive integer version folder.
        postprocess: optional ``fn(dict) -> dict`` adding derived outputs.
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
    serve_images, serve_bytes, specs = make_serving_functions(model, postprocess)
    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint("serving_default", serve_images, input_signature=specs)
    archive.add_endpoint(
        "serving_bytes",
        serve_bytes,
        input_signature=bytes_specs(specs),
    )
    temp_dir = tempfile.mkdtemp(dir=base_path, prefix=f".tmp-{version}-")
    try:
        archive.write_out(temp_dir, verbose=verbose)
        publish_directory(temp_dir, final_dir, overwrite)
    finally:
        if os.path.exists(temp_dir):
            shutil.rmtree(temp_dir, ignore_errors=True)
    if write_models_config:
        update_models_config(
            os.path.dirname(os.path.abspath(base_path)),
            os.path.basename(os.path.normpath(base_path)),
            base_path,
        )
    return final_dir
