"""Thin TFDS builder folder: ``tfds build datasets/casting`` from a checkout.

The builder lives in ``tfdefect.datasets.casting``; TFDS's command line needs a builder class
defined in this file, so it subclasses that one without registering a second name.
"""

from tfdefect.datasets.casting import Builder as _PackageBuilder
from tfdefect.datasets.casting import CastingConfig  # noqa: F401  (tfds build --config JSON)


class Builder(_PackageBuilder, skip_registration=True):
    """The same builder, found by ``tfds build datasets/casting``."""
