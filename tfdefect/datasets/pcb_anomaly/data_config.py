"""The ``data.`` config of recipes reading pcb_anomaly (synthetic or an MVTec-format folder)."""

from __future__ import annotations

import dataclasses

from tfdefect.datasets.dataset_config import DatasetConfig
from tfdefect.datasets.pcb_anomaly.settings import PcbAnomalySettings


@dataclasses.dataclass
class PcbAnomalyDataConfig(DatasetConfig, PcbAnomalySettings):
    """Which pcb_anomaly to use: where (``DatasetConfig``: ``data_dir``, ``manual_dir``,
    ``rebuild``) and the builder's own settings (``PcbAnomalySettings``: the category of a
    manual folder, or the synthetic split sizes, seed and renderer settings), the same
    fields ``tfdefect build-dataset pcb_anomaly --set`` takes."""

    dataset_name = "pcb_anomaly"

    def config_name(self) -> str:
        return f"mvtec_{self.category}" if self.manual_dir else "synthetic"

    def builder_settings(self) -> dict:
        """PcbAnomalyConfig's fields: the category (manual) or the synthetic settings."""
        if self.manual_dir:
            return {"category": self.category}
        settings = super().builder_settings()
        settings.pop("category")
        return settings

    def check_settings(self, filesystem: bool = True) -> None:
        """DatasetConfig's checks, and the renderer's (a board size it can draw)."""
        from tfdefect.config import ConfigError

        if not self.manual_dir:
            try:
                self.synthesis  # noqa: B018 - building it runs the renderer's checks
            except ValueError as error:
                raise ConfigError(f"data: {error}") from None
        super().check_settings(filesystem)
