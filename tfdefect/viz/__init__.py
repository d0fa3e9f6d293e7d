from tfdefect.viz.segmentation_plots import (
    plot_chip_channels,
    plot_segmentation_predictions,
    plot_training_curves,
)

__all__ = ["plot_chip_channels", "plot_segmentation_predictions", "plot_training_curves"]
