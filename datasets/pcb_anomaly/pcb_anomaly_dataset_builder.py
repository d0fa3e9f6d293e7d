"""Thin TFDS builder folder: ``tfds build datasets/pcb_anomaly`` from a checkout.

The builder lives in ``tfdefect.datasets.pcb_anomaly``; TFDS's command line needs a builder class
defined in this file, so it subclasses that one without registering a second name.
"""

from tfdefect.datasets.pcb_anomaly import Builder as _PackageBuilder
from tfdefect.datasets.pcb_anomaly import PcbAnomalyConfig  # noqa: F401  (tfds build --config JSON)


class Builder(_PackageBuilder, skip_registration=True):
    """The same builder, found by ``tfds build datasets/pcb_anomaly``."""
