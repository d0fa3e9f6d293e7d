"""Thin TFDS builder folder: ``tfds build datasets/chips6`` from a checkout.

The builder lives in ``tfdefect.datasets.chips6``; TFDS's command line needs a builder class
defined in this file, so it subclasses that one without registering a second name.
"""

from tfdefect.datasets.chips6 import Builder as _PackageBuilder
from tfdefect.datasets.chips6 import Chips6Config  # noqa: F401  (tfds build --config JSON)


class Builder(_PackageBuilder, skip_registration=True):
    """The same builder, found by ``tfds build datasets/chips6``."""
