from tfdefect.models.padim.feature_extractor import PadimFeatureExtractor
from tfdefect.models.padim.gaussian_accumulator import PatchGaussianAccumulator
from tfdefect.models.padim.padim import Padim
from tfdefect.models.padim.presets import PADIM_PRESETS

__all__ = ["PADIM_PRESETS", "Padim", "PadimFeatureExtractor", "PatchGaussianAccumulator"]
