import numpy as np
import pytest
from PIL import Image

from tfdefect.viz.confusion_plots import plot_confusion_matrix


def test_confusion_matrix_figure_is_written(tmp_path):
    path = plot_confusion_matrix(
        np.array([[50, 2, 0], [3, 7, 0], [0, 0, 0]]),
        ["ok", "missing", "bridge"],
        "val",
        str(tmp_path / "cm.png"),
    )
    width, height = Image.open(path).size
    assert width > 100 and height > 100


def test_confusion_matrix_rejects_wrong_class_count(tmp_path):
    with pytest.raises(ValueError, match="does not match 3 class names"):
        plot_confusion_matrix(np.eye(2), ["a", "b", "c"], "val", str(tmp_path / "cm.png"))
