"""The ``data.`` config of recipes reading chips6, and the class names of a prepared chips6."""

from __future__ import annotations

import dataclasses

from tfdefect.datasets.chips6.names import CLASS_NAMES
from tfdefect.datasets.chips6.synthetic import ChipSynthesisConfig
from tfdefect.datasets.dataset_config import DatasetConfig


@dataclasses.dataclass
class Chips6DataConfig(DatasetConfig):
    """Which chips6 to use (``data_dir``, ``manual_dir``, ``rebuild``: see DatasetConfig).

    Attributes:
        seed / num_train / num_validation / num_test: synthetic generation settings.
        image_size / noise / defect_free_fraction / max_defect_size: renderer settings.
        class_names: the defect classes, mask value k is ``class_names[k - 1]`` (default the
            synthetic bump, dent, dot; other names need ``manual_dir``).
    """

    dataset_name = "chips6"
    rendered_class_names = tuple(CLASS_NAMES[1:])

    seed: int = 0
    num_train: int = 800
    num_validation: int = 100
    num_test: int = 100
    image_size: int = 224
    noise: float = 4.0
    defect_free_fraction: float = 0.16
    max_defect_size: int = 20
    class_names: tuple[str, ...] = tuple(CLASS_NAMES[1:])

    def check_settings(self, filesystem: bool = True) -> None:
        """DatasetConfig's checks, and ``max_defect_size`` against the smallest defect the
        renderer draws."""
        from tfdefect.config import ConfigError

        smallest = ChipSynthesisConfig.min_defect_size
        if self.max_defect_size < smallest:
            raise ConfigError(
                f"data.max_defect_size {self.max_defect_size}: must be at least {smallest} "
                "(the smallest defect drawn)"
            )
        super().check_settings(filesystem)

    def builder_settings(self) -> dict:
        """Chips6Config's fields: the split sizes and the renderer settings nested."""
        return {
            "seed": self.seed,
            "num_train": self.num_train,
            "num_validation": self.num_validation,
            "num_test": self.num_test,
            "class_names": tuple(self.class_names),
            "synthesis": ChipSynthesisConfig(
                image_size=self.image_size,
                noise=self.noise,
                defect_free_fraction=self.defect_free_fraction,
                max_defect_size=self.max_defect_size,
            ),
        }


def chips6_class_names(builder) -> list[str]:
    """The class-map names of a prepared chips6 builder: ``background`` then its defect
    classes (mask value k is entry k)."""
    return ["background", *builder.info.features["objects"]["label"].names]
