"""The ``data.`` config of recipes reading pcb_anomaly (synthetic or an MVTec-format folder)."""

from __future__ import annotations

import dataclasses

from tfdefect.datasets.dataset_config import DatasetConfig
from tfdefect.datasets.pcb_anomaly.synthetic import PcbSynthesisConfig


@dataclasses.dataclass
class PcbAnomalyDataConfig(DatasetConfig):
    """Which pcb_anomaly to use (``data_dir``, ``manual_dir``, ``rebuild``: see DatasetConfig).

    Attributes:
        category: category folder name under manual_dir (an MVTec name or your own); its
            defect types are its ``test/<type>/`` folder names.
        seed / num_train / num_validation / num_test / image_size: synthetic settings.
    """

    dataset_name = "pcb_anomaly"

    category: str = "pcb"
    seed: int = 0
    num_train: int = 200
    num_validation: int = 20
    num_test: int = 40
    image_size: int = 224

    def config_name(self) -> str:
        return f"mvtec_{self.category}" if self.manual_dir else "synthetic"

    def builder_settings(self) -> dict:
        """PcbAnomalyConfig's fields: the category (manual) or the synthetic settings."""
        if self.manual_dir:
            return {"category": self.category}
        return {
            "seed": self.seed,
            "num_train": self.num_train,
            "num_validation": self.num_validation,
            "num_test": self.num_test,
            "synthesis": PcbSynthesisConfig(image_size=self.image_size),
        }
