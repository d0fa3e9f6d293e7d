"""The chips6 TFDS dataset (``tfds build datasets/chips6`` from a checkout, or
``tfdefect build-dataset chips6``)."""

from tfdefect.datasets.chips6.chips6_dataset_builder import Builder, Chips6Config

__all__ = ["Builder", "Chips6Config"]
