"""Keras callbacks of the library: recall-first training of any classifier, per-class
recall, durable backups, the epoch log, stopping on a non-finite loss and the MPWR
sampled-distribution log."""

from tfdefect.callbacks.durable_backup import DurableBackupAndRestore, UnreadableBackupError
from tfdefect.callbacks.epoch_log import EpochLog
from tfdefect.callbacks.non_finite_loss import NonFiniteLossError, StopOnNonFiniteLoss
from tfdefect.callbacks.per_class_recall import PerClassRecall
from tfdefect.callbacks.recall_weighted_training import RecallWeightedTraining
from tfdefect.callbacks.sampled_distribution_logger import SampledDistributionLogger
from tfdefect.losses.class_weights import balanced_class_weights  # its 0.1 import path

__all__ = [
    "DurableBackupAndRestore",
    "EpochLog",
    "NonFiniteLossError",
    "PerClassRecall",
    "RecallWeightedTraining",
    "SampledDistributionLogger",
    "StopOnNonFiniteLoss",
    "UnreadableBackupError",
    "balanced_class_weights",
]
