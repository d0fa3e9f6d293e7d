from tfdefect.training.fit import TrainConfig, fit_model
from tfdefect.training.strategy import STRATEGIES, make_strategy

__all__ = ["STRATEGIES", "TrainConfig", "fit_model", "make_strategy"]
