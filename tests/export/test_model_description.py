"""Every model class says which task it serves; plain Keras models are read from outputs."""

import keras
import pytest

from tfdefect.export.metadata import TASKS
from tfdefect.export.model_description import model_task
from tfdefect.models.classifiers import ImageClassifier
from tfdefect.models.mask_rcnn import MaskRCNN
from tfdefect.models.mpb3 import MPB3, CachedReferenceMPB3
from tfdefect.models.padim import Padim
from tfdefect.models.segmenters import ResNet50FPNSegmenter, UNetSegmenter


@pytest.mark.parametrize(
    "model_class, task",
    [
        (ImageClassifier, "classification"),
        (MPB3, "pair_classification"),
        (CachedReferenceMPB3, "pair_classification"),
        (UNetSegmenter, "segmentation"),
        (ResNet50FPNSegmenter, "segmentation"),
        (MaskRCNN, "detection"),
        (Padim, "anomaly"),
    ],
)
def test_each_model_class_declares_its_task(model_class, task):
    assert model_class.task == task
    assert model_class.task in TASKS


def test_a_subclass_inherits_its_task_and_a_plain_model_is_read_from_outputs():
    class MyClassifier(ImageClassifier):
        pass

    assert MyClassifier.task == "classification"
    inputs = keras.Input((4, 4, 1))
    plain = keras.Model(inputs, keras.layers.Softmax(name="probabilities")(inputs))
    assert model_task(plain) == "segmentation"
    assert model_task(keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])) == (
        "classification"
    )
