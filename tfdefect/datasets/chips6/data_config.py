"""The ``data.`` config of recipes reading chips6, and the class names of a prepared chips6."""

from __future__ import annotations

import dataclasses

from tfdefect.datasets.chips6.names import CLASS_NAMES
from tfdefect.datasets.chips6.settings import Chips6Settings
from tfdefect.datasets.dataset_config import DatasetConfig


@dataclasses.dataclass
class Chips6DataConfig(DatasetConfig, Chips6Settings):
    """Which chips6 to use: where (``DatasetConfig``: ``data_dir``, ``manual_dir``,
    ``rebuild``) and the builder's own settings (``Chips6Settings``: split sizes, seed,
    renderer settings, ``class_names``), the same fields ``tfdefect build-dataset chips6
    --set`` takes."""

    dataset_name = "chips6"
    rendered_class_names = tuple(CLASS_NAMES[1:])

    def check_settings(self, filesystem: bool = True) -> None:
        """DatasetConfig's checks, and the renderer's (defect sizes it can draw)."""
        from tfdefect.config import ConfigError

        if self.max_defect_size < self.min_defect_size:
            raise ConfigError(
                f"data.max_defect_size {self.max_defect_size}: must be at least "
                f"{self.min_defect_size} (data.min_defect_size, the smallest defect drawn)"
            )
        try:
            self.synthesis  # noqa: B018 - building it runs the renderer's checks
        except ValueError as error:
            raise ConfigError(f"data: {error}") from None
        super().check_settings(filesystem)


def chips6_class_names(builder) -> list[str]:
    """The class-map names of a prepared chips6 builder: ``background`` then its defect
    classes (mask value k is entry k)."""
    return ["background", *builder.info.features["objects"]["label"].names]
