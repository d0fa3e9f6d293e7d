"""The casting TFDS dataset (``tfds build datasets/casting`` from a checkout, or
``tfdefect build-dataset casting``)."""

from tfdefect.datasets.casting.casting_dataset_builder import Builder, CastingConfig

__all__ = ["Builder", "CastingConfig"]
