"""Callbacks for recall-first training of any classifier of the library."""

from tfdefect.callbacks.class_weights import balanced_class_weights
from tfdefect.callbacks.per_class_recall import PerClassRecall
from tfdefect.callbacks.recall_weighted_training import RecallWeightedTraining

__all__ = ["PerClassRecall", "RecallWeightedTraining", "balanced_class_weights"]
