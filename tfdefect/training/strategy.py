"""``--strategy default|mirrored|multi_worker`` on top of tf.distribute."""

from __future__ import annotations

import json
import os

STRATEGIES = ("default", "mirrored", "multi_worker")


def make_strategy(name: str = "default", logical_cpus: int | None = None):
    """Return the tf.distribute strategy called ``name``.

    Args:
        name: "default" (one device), "mirrored" (all local GPUs, or ``logical_cpus`` CPU
            replicas when there is no GPU) or "multi_worker" (MultiWorkerMirroredStrategy,
            cluster read from the TF_CONFIG environment variable).
        logical_cpus: split the CPU into this many logical devices for "mirrored" without
            GPUs. Must be set before TensorFlow runs anything.
    """
    import tensorflow as tf  # here, so the names above import without TensorFlow

    if name not in STRATEGIES:
        raise ValueError(f"unknown strategy {name!r}; valid: {', '.join(STRATEGIES)}")
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        if tf.config.list_physical_devices("GPU"):
            return tf.distribute.MirroredStrategy()
        if logical_cpus and logical_cpus > 1:
            cpu = tf.config.list_physical_devices("CPU")[0]
            try:
                tf.config.set_logical_device_configuration(
                    cpu, [tf.config.LogicalDeviceConfiguration()] * logical_cpus
                )
            except RuntimeError as error:
                raise RuntimeError(
                    "logical CPUs must be configured before TensorFlow "
                    "initialises; call make_strategy first"
                ) from error
        devices = [d.name for d in tf.config.list_logical_devices("CPU")]
        return tf.distribute.MirroredStrategy(devices=devices)
    config = os.environ.get("TF_CONFIG")
    if not config:
        raise RuntimeError(
            "multi_worker needs TF_CONFIG with a cluster spec and this worker's "
            'task, e.g. {"cluster": {"worker": ["host:port", ...]}, '
            '"task": {"type": "worker", "index": 0}}'
        )
    try:
        json.loads(config)
    except json.JSONDecodeError as error:
        raise RuntimeError(f"TF_CONFIG is not valid JSON: {error}") from error
    return tf.distribute.MultiWorkerMirroredStrategy()
