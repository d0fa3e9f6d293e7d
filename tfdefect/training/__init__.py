"""Training: ``TrainConfig``, ``fit_model`` and tf.distribute strategies.

Names load on first use, so ``tfdefect.training.train_config`` imports without Keras.
"""

import importlib

_HOMES = {
    "TrainConfig": "tfdefect.training.train_config",
    "fit_model": "tfdefect.training.fit",
    "SampledDistributionLogger": "tfdefect.callbacks.sampled_distribution_logger",
    "STRATEGIES": "tfdefect.training.strategy",
    "make_strategy": "tfdefect.training.strategy",
}

__all__ = list(_HOMES)


def __getattr__(name):
    if name not in _HOMES:
        raise AttributeError(f"module 'tfdefect.training' has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)
