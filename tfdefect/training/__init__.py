from tfdefect.training.fit import TrainConfig, fit_model
from tfdefect.training.sampled_distribution_logger import SampledDistributionLogger
from tfdefect.training.strategy import STRATEGIES, make_strategy

__all__ = ["STRATEGIES", "SampledDistributionLogger", "TrainConfig", "fit_model", "make_strategy"]
