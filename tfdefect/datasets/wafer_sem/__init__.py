"""The wafer_sem TFDS dataset (``tfds build datasets/wafer_sem`` from a checkout, or
``tfdefect build-dataset wafer_sem``)."""

from tfdefect.datasets.wafer_sem.wafer_sem_dataset_builder import Builder, WaferSemConfig

__all__ = ["Builder", "WaferSemConfig"]
