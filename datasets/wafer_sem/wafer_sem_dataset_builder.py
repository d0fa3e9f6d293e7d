"""Thin TFDS builder folder: ``tfds build datasets/wafer_sem`` from a checkout.

The builder lives in ``tfdefect.datasets.wafer_sem``; TFDS's command line needs a builder class
defined in this file, so it subclasses that one without registering a second name.
"""

from tfdefect.datasets.wafer_sem import Builder as _PackageBuilder
from tfdefect.datasets.wafer_sem import WaferSemConfig  # noqa: F401  (tfds build --config JSON)


class Builder(_PackageBuilder, skip_registration=True):
    """The same builder, found by ``tfds build datasets/wafer_sem``."""
