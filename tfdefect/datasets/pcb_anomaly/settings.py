"""The settings of pcb_anomaly: shared by its TFDS BuilderConfig and a recipe's ``data.``."""

from __future__ import annotations

import dataclasses

from tfdefect.datasets.pcb_anomaly.synthetic import PcbSynthesisConfig

_RENDERER = PcbSynthesisConfig  # the renderer's defaults are the settings' defaults


@dataclasses.dataclass(kw_only=True)
class PcbAnomalySettings:
    """Attributes:
    category: category folder name under manual_dir (an MVTec name or your own); its defect
        types are its ``test/<type>/`` folder names (manual data).
    seed / num_train / num_validation / num_test: synthetic images per split; validation
        and test hold num_* good images and num_* images of each defect type.
    image_size: side of the rendered boards (manual images keep their own size).
    design_seed / components / max_defects / noise: the renderer's board design seed,
        component count, changed components per defective board and sensor noise
        (``PcbSynthesisConfig``).
    """

    category: str = "pcb"
    seed: int = 0
    num_train: int = 200
    num_validation: int = 20
    num_test: int = 40
    image_size: int = _RENDERER.image_size
    design_seed: int = _RENDERER.design_seed
    components: int = _RENDERER.components
    max_defects: int = _RENDERER.max_defects
    noise: float = _RENDERER.noise

    @property
    def synthesis(self) -> PcbSynthesisConfig:
        """The renderer's settings (raises ValueError for a size it cannot draw)."""
        return PcbSynthesisConfig(
            image_size=self.image_size,
            design_seed=self.design_seed,
            components=self.components,
            max_defects=self.max_defects,
            noise=self.noise,
        )
