"""Publishing a saved ``.keras`` file (``tfdefect export`` and the recipes use this)."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import multiprocessing


def publish_keras_file(
    model_path: str,
    export_dir: str,
    name: str,
    overwrite: int | None = None,
    onnx: bool = True,
    serving_root: str | None = None,
) -> dict:
    """Publish the model in ``model_path`` (a ``.keras`` file the library saved, with its
    metadata inside) as the next free version of ``name`` (``publish_model``); returns the
    PublishedModel as a dict."""
    from tfdefect.export.publish import publish_model
    from tfdefect.inference.runtimes import open_runtime

    if not model_path.endswith(".keras"):
        raise ValueError(f"{model_path}: export takes a .keras file the library saved")
    runtime = open_runtime(model_path)  # clear errors for missing / empty / foreign files
    published = publish_model(
        runtime.model,
        export_dir,
        name,
        runtime.metadata,
        overwrite=overwrite,
        onnx=onnx,
        serving_root=serving_root,
    )
    return dataclasses.asdict(published)


def publish_keras_file_in_child(model_path: str, export_dir: str, name: str, **options) -> dict:
    """``publish_keras_file`` run in a spawned child process, for many large models in one
    run: each export's TensorFlow graphs and onnxruntime session are freed with its
    process, so a run of eight exports peaks at its largest one, not at their sum.
    Errors in the child are raised here."""
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(publish_keras_file, model_path, export_dir, name, **options).result()
