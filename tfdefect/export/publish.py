"""Publish a model version for serving: SavedModel, ONNX file and metadata together."""

from __future__ import annotations

import dataclasses
import logging
import os

from tfdefect.atomic_files import publish_version, remove_stale_temp_dirs
from tfdefect.export.finite_outputs import check_finite_outputs
from tfdefect.export.metadata import ModelMetadata, write_savedmodel_metadata
from tfdefect.export.model_description import describe_model, serving_postprocess
from tfdefect.export.onnx_export import attach_onnx_metadata, export_onnx
from tfdefect.export.savedmodel import write_savedmodel
from tfdefect.export.serving_config import update_models_config, validate_model_name
from tfdefect.progress import progress_bar

logger = logging.getLogger(__name__)

ONNX_FILE = "model.onnx"


@dataclasses.dataclass
class PublishedModel:
    """Where a published version lies: ``path`` (the SavedModel version folder, also
    holding ``model.onnx`` when exported), its ``version``, the ``onnx_path`` and the ONNX
    parity figure (max |onnx - keras|), and the models.config written (or None)."""

    path: str
    version: int
    onnx_path: str | None
    onnx_max_diff: float | None
    models_config: str | None


def version_numbers(base_path: str) -> list[int]:
    """The published numeric version folders under ``base_path``, sorted."""
    if not os.path.isdir(base_path):
        return []
    return sorted(int(name) for name in os.listdir(base_path) if name.isdigit())


def next_version(base_path: str) -> int:
    """One more than the highest published version (1 for a new model)."""
    versions = version_numbers(base_path)
    return versions[-1] + 1 if versions else 1


def publish_model(
    model,
    export_dir: str,
    name: str,
    metadata: ModelMetadata | None = None,
    *,
    overwrite: int | None = None,
    onnx: bool = True,
    sample_images=None,
    postprocess="auto",
    serving_root: str | None = None,
    write_models_config: bool = True,
    log=None,
) -> PublishedModel:
    """Publish ``model`` as the next free version ``<export_dir>/<name>/<N>/``.

    The version folder holds the SavedModel (both serving signatures), its metadata in
    ``assets.extra/tfdefect.json`` and, with ``onnx``, a parity-checked ``model.onnx``
    carrying the same metadata. All are written into one hidden temporary folder and
    renamed into place together: a version is complete or absent, never half there. A
    run killed during export leaves only a temporary folder, which the next export
    removes before publishing the same number again.

    Args:
        model: a tfdefect Keras model (or any Keras model taking uint8-range pixels).
        export_dir: the TF Serving model root (``models.config`` lives here).
        name: the served model name (letters, digits, ``_.-``).
        metadata: task, class names ... (``describe_model(model)`` when None).
        overwrite: replace this existing version number instead of publishing a new one.
        onnx: also export ``model.onnx`` (tf2onnx, checked in onnxruntime).
        sample_images: inputs for the finiteness check and the ONNX parity check (random
            uint8 when None); a model answering them with NaN or infinity is not exported
            (NonFiniteOutputError).
        postprocess: serving post-processing (``"auto"``: the family's own).
        serving_root: where export_dir is mounted for the server (e.g. ``/models``);
            models.config base paths are written under it.
        log: a callable taking each progress line; None logs them (INFO) to the
            ``tfdefect.export.publish`` logger.

    Returns:
        A :class:`PublishedModel`.
    """
    validate_model_name(name)
    log = log or logger.info
    if postprocess == "auto":
        postprocess = serving_postprocess(model)
    base_path = os.path.join(export_dir, name)
    os.makedirs(base_path, exist_ok=True)
    for stale in remove_stale_temp_dirs(base_path):
        log(f"removed {os.path.join(base_path, stale)} left by an interrupted export")
    if overwrite is not None:
        if not os.path.isdir(os.path.join(base_path, str(overwrite))):
            raise FileNotFoundError(
                f"--overwrite {overwrite}: {os.path.join(base_path, str(overwrite))} does not "
                f"exist (published versions: {version_numbers(base_path) or 'none'})"
            )
        version = int(overwrite)
    else:
        version = next_version(base_path)
    metadata = (metadata or describe_model(model)).replace(name=name, version=version)
    stages = progress_bar(4 if onnx else 3, f"export {name}/{version}", "stage", log is not None)
    stages.set_postfix_str("finite outputs")
    check_finite_outputs(model, sample_images, postprocess)
    stages.update(1)
    onnx_max_diff = None

    def write(folder):
        nonlocal onnx_max_diff
        stages.set_postfix_str("SavedModel")
        write_savedmodel(model, folder, postprocess=postprocess, metadata=metadata)
        stages.update(1)
        if onnx:
            stages.set_postfix_str("ONNX + onnxruntime parity")
            onnx_max_diff = export_onnx(
                model,
                os.path.join(folder, ONNX_FILE),
                sample_images=sample_images,
                postprocess=postprocess,
                metadata=metadata,
            )
            stages.update(1)
        stages.set_postfix_str("publishing")

    def retarget(folder):
        """Another export took ``version`` meanwhile: relabel this one as the next free."""
        nonlocal metadata, version
        taken, version = version, next_version(base_path)
        metadata = metadata.replace(version=version)
        write_savedmodel_metadata(folder, metadata)
        if onnx:
            attach_onnx_metadata(os.path.join(folder, ONNX_FILE), metadata)
        log(f"version {taken} of {name} was published meanwhile; publishing as {version}")
        return version

    try:
        final_dir = publish_version(
            base_path, version, write, overwrite=overwrite is not None, retarget=retarget
        )
        stages.update(1)
    finally:
        stages.close()
    config_path = None
    if write_models_config:
        try:
            config_path = update_models_config(export_dir, name, base_path, serving_root)
        except RuntimeError as error:  # the serving protos are not installed
            logger.warning(f"models.config not updated: {error}")
    onnx_path = os.path.join(final_dir, ONNX_FILE) if onnx else None
    action = "replaced" if overwrite is not None else "published"
    log(f"{action} {name} version {version}: {final_dir}")
    if onnx_path:
        log(f"ONNX: {onnx_path} (opset 17), max |onnx - keras| = {onnx_max_diff:.2e}")
    return PublishedModel(final_dir, version, onnx_path, onnx_max_diff, config_path)
