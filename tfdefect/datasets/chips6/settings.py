"""The settings of chips6: shared by its TFDS BuilderConfig and a recipe's ``data.``."""

from __future__ import annotations

import dataclasses

from tfdefect.datasets.chips6.names import CLASS_NAMES
from tfdefect.datasets.chips6.synthetic import ChipSynthesisConfig

_RENDERER = ChipSynthesisConfig  # the renderer's defaults are the settings' defaults


@dataclasses.dataclass(kw_only=True)
class Chips6Settings:
    """Attributes:
    seed: generation seed; an example depends only on (seed, split, index).
    num_train / num_validation / num_test: synthetic examples per split.
    image_size: side of the stored chips (manual chips must be square of this side).
    noise / defect_free_fraction / max_defects / min_defect_size / max_defect_size /
        class_probabilities: the renderer's sensor noise (grey levels), share of defect-free
        chips, defects per defective chip, defect diameter range in pixels and relative
        frequency of bump, dent, dot (``ChipSynthesisConfig``).
    class_names: the defect classes; mask value k (k >= 1) is ``class_names[k - 1]``, 0 is
        background (default: the synthetic bump, dent, dot; other names need manual data).
    """

    seed: int = 0
    num_train: int = 800
    num_validation: int = 100
    num_test: int = 100
    image_size: int = _RENDERER.image_size
    noise: float = _RENDERER.noise
    defect_free_fraction: float = _RENDERER.defect_free_fraction
    max_defects: int = _RENDERER.max_defects
    min_defect_size: int = _RENDERER.min_defect_size
    max_defect_size: int = _RENDERER.max_defect_size
    class_probabilities: tuple[float, ...] = _RENDERER.class_probabilities
    class_names: tuple[str, ...] = tuple(CLASS_NAMES[1:])

    @property
    def synthesis(self) -> ChipSynthesisConfig:
        """The renderer's settings (raises ValueError for sizes it cannot draw)."""
        return ChipSynthesisConfig(
            image_size=self.image_size,
            defect_free_fraction=self.defect_free_fraction,
            max_defects=self.max_defects,
            min_defect_size=self.min_defect_size,
            max_defect_size=self.max_defect_size,
            noise=self.noise,
            class_probabilities=tuple(self.class_probabilities),
        )
