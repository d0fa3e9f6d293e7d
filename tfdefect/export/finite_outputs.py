"""Refusing to export a model whose outputs are NaN or infinite."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tfdefect.export.onnx_export import sample_feeds
from tfdefect.export.signatures import make_serving_functions


class NonFiniteOutputError(ValueError):
    """A model about to be exported answers its sample inputs with NaN or infinity."""


def check_finite_outputs(model, sample_images=None, postprocess=None) -> None:
    """Run the serving pipeline of ``model`` on ``sample_images`` (as ``publish_model``
    takes them; random uint8 when None) and raise NonFiniteOutputError naming every output
    holding a NaN or an infinity (a model trained into NaN would otherwise be served and
    read every image as a clean one)."""
    serve_images, _, specs = make_serving_functions(model, postprocess)
    feeds = sample_feeds(model, sample_images, specs)
    outputs = serve_images(*(tf.constant(feeds[spec.name]) for spec in specs))
    broken = []
    for name, value in outputs.items():
        value = np.asarray(value)
        if np.issubdtype(value.dtype, np.floating) and not np.all(np.isfinite(value)):
            broken.append(f"{name} ({int(np.sum(~np.isfinite(value)))} of {value.size} values)")
    if broken:
        raise NonFiniteOutputError(
            "not exported: the model outputs NaN or infinity on its sample inputs: "
            + ", ".join(broken)
            + " (was it trained with a NaN loss or a too high learning rate?)"
        )
