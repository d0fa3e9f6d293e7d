"""The smt_pairs TFDS dataset (``tfds build datasets/smt_pairs`` from a checkout, or
``tfdefect build-dataset smt_pairs``)."""

from tfdefect.datasets.smt_pairs.smt_pairs_dataset_builder import Builder, SmtPairsConfig

__all__ = ["Builder", "SmtPairsConfig"]
