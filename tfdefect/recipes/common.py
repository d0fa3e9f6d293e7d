"""Small helpers shared by the recipes."""

from __future__ import annotations

import logging

logger = logging.getLogger(__name__)


def start_run(config) -> None:
    """Create ``config.workdir`` and write the resolved config there as ``config.json`` (what
    ``--config`` reads back), atomically."""
    import os

    from tfdefect.atomic_files import atomic_write_text
    from tfdefect.config import to_json

    os.makedirs(config.workdir, exist_ok=True)
    atomic_write_text(os.path.join(config.workdir, "config.json"), to_json(config))


def strategy_scope(distribution):
    """``distribution.scope()`` (a tf.distribute strategy), or a no-op for None."""
    import contextlib

    return distribution.scope() if distribution is not None else contextlib.nullcontext()


def say(*parts) -> None:
    """Log a recipe's result line (INFO), its parts joined by spaces like ``print``'s."""
    logger.info(" ".join(str(part) for part in parts))


def announce(message: str) -> None:
    """Log a recipe step heading (INFO)."""
    logger.info(f"\n== {message}")


def save_keras_with_metadata(model, path: str, metadata) -> str:
    """Save ``model`` as ``.keras`` with its export metadata inside (atomic: temp + rename),
    so ``tfdefect.load(path)`` and ``tfdefect export path`` know task and classes."""
    from tfdefect.atomic_files import atomic_write_file
    from tfdefect.export import attach_keras_metadata

    def write(temp):
        model.save(temp)
        attach_keras_metadata(temp, metadata)

    atomic_write_file(path, write, suffix=".keras")
    logger.info(f"saved {path}")
    return path


def publish_for_serving(model, config, metadata, sample_images=None, name=None):
    """Publish ``model`` as the next free version of ``config.export.name`` (or of ``name``;
    or replace version ``config.export.overwrite``) under ``config.export.dir``, SavedModel
    and, with ``config.export.onnx``, ONNX together; returns PublishedModel."""
    from tfdefect.export import publish_model

    export = config.export
    name = name or export.name
    announce(f"export {name}")
    return publish_model(
        model,
        export.dir,
        name,
        metadata,
        overwrite=export.overwrite,
        onnx=export.onnx,
        sample_images=sample_images,
        serving_root=export.serving_root,
    )
