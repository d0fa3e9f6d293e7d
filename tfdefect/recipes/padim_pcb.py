"""PaDiM anomaly detection on PCB boards (or any MVTec-AD-format category).

    python -m recipes.padim_pcb --quick                         # synthetic boards, ~3 min
    python -m recipes.padim_pcb --model resnet18
    python -m recipes.padim_pcb --set data.manual_dir=/data/mvtec_ad --set data.category=bottle
    python -m recipes.padim_pcb --set data.manual_dir=/data/pcb --set data.category=toolbox \\
        --set backbone_weights=imagenet                           # needs internet

Steps: build pcb_anomaly -> fit the per-patch Gaussians on train/good (streaming) -> score
validation (synthetic) or test (MVTec has no validation split) -> F1-optimal pixel threshold
from the precision-recall curve, stored in the model -> test metrics (image / pixel ROC-AUC,
AUPRO@30% FPR, image and pixel F1) -> metrics.json, scores.csv, ROC / PR curves, heatmaps
-> SavedModel + ONNX of the whole pipeline.
"""

from __future__ import annotations

import dataclasses
import sys

from tfdefect.config import ConfigError
from tfdefect.datasets.pcb_anomaly.data_config import PcbAnomalyDataConfig
from tfdefect.recipes.export_config import ExportConfig
from tfdefect.recipes.front import option
from tfdefect.recipes.skeleton import Recipe


@dataclasses.dataclass
class PadimPcbConfig:
    """Everything the recipe does, overridable with ``--set key=value``.

    Attributes:
        model: a PADIM_PRESETS key, named by its feature extractor (efficientnetb0..b7,
            resnet18, wide_resnet50).
        backbone_weights: None (random: what runs offline), "imagenet" or a weights file.
        image_size: images are resized to this square (multiple of 32).
        embedding_dims: None = the preset's value; seed: the channel-subset seed.
        sigma: anomaly-map smoothing; batch_size: images per step.
        max_heatmaps: test images drawn in heatmaps.png.
        normalized_scores: export anomalib's min-max normalised map and score (0..1,
            decisions at 0.5) instead of raw Mahalanobis distances; padim.keras stays raw.
        workdir: run folder (metrics, scores, plots, padim.keras).
        export: the served model (``ExportConfig``: export.name, export.dir, export.onnx ...).
        data: pcb_anomaly (``data.manual_dir`` / ``data.category`` for MVTec-AD folders).
    """

    model: str = "efficientnetb0"
    backbone_weights: str | None = None
    image_size: int = 224
    embedding_dims: int | None = None
    seed: int = 0
    sigma: float = 4.0
    batch_size: int = 16
    max_heatmaps: int = 8
    normalized_scores: bool = False
    workdir: str = "runs/padim_pcb"
    export: ExportConfig = dataclasses.field(default_factory=lambda: ExportConfig(name="pcb_padim"))
    data: PcbAnomalyDataConfig = dataclasses.field(default_factory=PcbAnomalyDataConfig)


def quick_config() -> PadimPcbConfig:
    """``--quick``: 100 training boards, 10 + 2 x 10 validation and 20 + 2 x 20 test boards."""
    config = PadimPcbConfig(workdir="runs/padim_pcb_quick")
    config.data = dataclasses.replace(config.data, num_train=100, num_validation=10, num_test=20)
    return config


def check(config: PadimPcbConfig) -> None:
    from tfdefect.models.padim.presets import PADIM_PRESETS

    if config.model not in PADIM_PRESETS:
        raise ConfigError(f"unknown model {config.model}; valid: {', '.join(PADIM_PRESETS)}")
    if config.image_size % 32:
        raise ConfigError(f"image_size {config.image_size} must be a multiple of 32")


RECIPE = Recipe(
    name="padim_pcb",
    description=__doc__,
    quick_help="small run, ~3 min on 2 CPU cores",
    default_config=PadimPcbConfig,
    quick_config=quick_config,
    steps="tfdefect.recipes.padim_pcb_steps:run",
    check=check,
    trains=False,  # the Gaussians are fitted in one streamed pass on one device
    options=(
        option(
            "--model",
            "--backbone",  # deprecated spelling
            field="model",
            help="efficientnetb0..efficientnetb7, resnet18 or wide_resnet50",
        ),
    ),
)
main = RECIPE.main
cli = RECIPE.cli

if __name__ == "__main__":
    cli(sys.argv[1:])
