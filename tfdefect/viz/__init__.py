from tfdefect.viz.anomaly_plots import plot_heatmaps, plot_precision_recall, plot_roc_curves
from tfdefect.viz.segmentation_plots import (
    plot_chip_channels,
    plot_segmentation_predictions,
    plot_training_curves,
)

__all__ = [
    "plot_heatmaps",
    "plot_precision_recall",
    "plot_roc_curves",
    "plot_chip_channels",
    "plot_segmentation_predictions",
    "plot_training_curves",
]
