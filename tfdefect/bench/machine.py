"""A one-paragraph description of the machine, printed with every benchmark."""

from __future__ import annotations

import os
import platform


def describe_machine() -> str:
    """CPU model, cores, memory, OS and library versions."""
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memory = ""
    try:
        with open("/proc/meminfo") as handle:
            kb = int(handle.readline().split()[1])
            memory = f", {kb / 2**20:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    import keras
    import onnxruntime
    import tensorflow as tf

    return (
        f"{cpu}, {cores} cores{memory}, {platform.system()} {platform.machine()}, "
        f"Python {platform.python_version()}, TF {tf.__version__}, Keras {keras.__version__}, "
        f"onnxruntime {onnxruntime.__version__}"
    )
