"""Default export metadata and serving post-processing of each model family."""

from __future__ import annotations

from tfdefect.export.metadata import TASKS, ModelMetadata
from tfdefect.export.signatures import make_serving_functions, model_image_shape


def model_task(model) -> str:
    """The task a model serves: the ``task`` its class declares (every tfdefect model
    does), else guessed from its output names (a plain Keras model)."""
    task = getattr(type(model), "task", None)
    if task in TASKS:
        return task
    names = set(getattr(model, "output_names", None) or [])
    if "probabilities" in names:
        return "segmentation"
    if {"ng", "defect_class"} <= names:
        return "pair_classification"
    return "classification"


def serving_postprocess(model):
    """The ``postprocess`` the exports use for ``model`` (segmenters add ``class_map``)."""
    if model_task(model) == "segmentation":
        from tfdefect.models.segmenters.postprocess import segmentation_outputs

        return segmentation_outputs
    return None


def describe_model(
    model,
    class_names=None,
    *,
    task: str | None = None,
    thresholds: dict | None = None,
    name: str = "",
    extra: dict | None = None,
) -> ModelMetadata:
    """Metadata for exporting ``model``: inputs from its serving specs, thresholds it
    carries (PaDiM's fitted threshold, Mask R-CNN's minimum detection score), and
    ``class_names`` given by the caller (placeholders ``class_<i>`` otherwise)."""
    task = task or model_task(model)
    _, _, specs = make_serving_functions(model)
    inputs = [
        {"name": s.name, "shape": s.shape.as_list()[1:], "dtype": s.dtype.name} for s in specs
    ]
    found = {}
    if task == "anomaly" and hasattr(model, "thresholds"):  # image score and anomaly map
        decided = model.thresholds()
        found["anomaly_score"], found["anomaly_map"] = decided["image"], decided["pixel"]
    elif task == "anomaly" and hasattr(model, "threshold"):
        found["anomaly_score"] = float(model.threshold.numpy())
    if task == "detection" and hasattr(model, "detection_min_confidence"):
        found["detection_score"] = float(model.detection_min_confidence)
    if task == "pair_classification":
        found["ng"] = 0.5
    found.update(thresholds or {})
    extra = dict(extra or {})
    if hasattr(model, "size_multiple") and None in model_image_shape(model)[:2]:
        extra.setdefault("size_multiple", int(model.size_multiple))
    placeholders = _placeholder_classes(model, task)
    if class_names is None:
        class_names = placeholders
    elif task != "anomaly" and placeholders and len(class_names) != len(placeholders):
        raise ValueError(
            f"{len(class_names)} class names {list(class_names)} for a {task} model of "
            f"{len(placeholders)} classes"
            + (" (background included)" if task in ("detection", "segmentation") else "")
        )
    return ModelMetadata(
        task=task,
        class_names=list(class_names),
        inputs=inputs,
        thresholds=found,
        name=name,
        extra=extra,
    )


def _placeholder_classes(model, task: str) -> list[str]:
    if task == "anomaly":
        return ["good", "anomalous"]
    if task == "detection":
        count = int(model.num_classes)  # includes background
        return ["background"] + [f"class_{i}" for i in range(1, count)]
    outputs = model.outputs if hasattr(model, "outputs") else []
    if task == "pair_classification":
        outputs = [o for o in outputs if o.shape[-1] != 1]
    count = int(outputs[-1].shape[-1]) if outputs else 0
    return [f"class_{i}" for i in range(count)]
