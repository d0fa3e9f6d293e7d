"""The pcb_anomaly TFDS dataset (``tfds build datasets/pcb_anomaly`` from a checkout, or
``tfdefect build-dataset pcb_anomaly``)."""

from tfdefect.datasets.pcb_anomaly.pcb_anomaly_dataset_builder import Builder, PcbAnomalyConfig

__all__ = ["Builder", "PcbAnomalyConfig"]
