"""Export settings shared by every recipe (no TensorFlow import, so recipe fronts stay fast)."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass
class ExportConfig:
    """Where and how a recipe publishes its trained model for serving, the ``export.``
    part of every recipe config (``--set export.dir=/srv/models``).

    Attributes:
        name: the served model's name: versions go to ``<dir>/<name>/<N>/`` and its
            ``models.config`` entry is called so (casting_zoo publishes ``<name>_<model>``
            per model, mpb3_smt also ``<name>_cached``).
        dir: the TF Serving model root (``models.config`` lives here).
        overwrite: replace this published version instead of publishing the next free one
            (None: next free; ``--overwrite N`` sets it).
        serving_root: the folder ``dir`` is mounted at for TF Serving (e.g. ``/models``);
            ``models.config`` base paths are written under it (``--serving-root`` sets it).
        onnx: also write ``model.onnx`` beside the SavedModel, checked against Keras
            (wafer_mobilenet needs it: its INT8 ONNX model is quantized from that file).
        enabled: publish at all; only casting_zoo can skip its exports
            (``bench/freeze_strategies.py`` trains without them); the other recipes always
            publish and refuse False.
    """

    name: str
    dir: str = "saved_models"
    overwrite: int | None = None
    serving_root: str | None = None
    onnx: bool = True
    enabled: bool = True
