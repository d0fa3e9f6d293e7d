"""Inference with exported and saved models: ``load(path)`` -> ``Predictor``."""

from tfdefect.inference.predictor import Predictor, load

__all__ = ["Predictor", "load"]
