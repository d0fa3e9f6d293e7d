"""TFDS builders of the library's datasets, one subpackage each."""

DATASETS = ("casting", "chips6", "pcb_anomaly", "smt_pairs", "wafer_sem")

__all__ = ["DATASETS"]
