"""MPB3: multiple-position-based bi-branch network for SMT defects (J Intell Manuf 2021,
doi 10.1007/s10845-021-01870-4), in Keras 3."""

from __future__ import annotations

import keras

from tfdefect.backbones.resnet_basic import BasicResNetBackbone
from tfdefect.layers.absolute_difference import AbsoluteDifference
from tfdefect.layers.image_normalization import ImageNormalization
from tfdefect.models.padim.presets import IMAGENET_MEAN, IMAGENET_STD
from tfdefect.registry import register_model
from tfdefect.serialization import register


@register
@register_model("mpb3")
class MPB3(keras.Model):
    """Siamese bi-branch classifier of (gold reference, test sample) pairs.

    Both crops go through one ResNet18 branch (shared weights) and global average pooling;
    the two embeddings are fused as [e_ref, e_test, |e_ref - e_test|, e_ref * e_test] and a
    hidden layer feeds two heads trained jointly: ``ng`` (probability that the test sample
    differs from its reference, i.e. is defective) and ``defect_class`` (softmax over the
    classes, "ok" included).

    Args:
        num_classes: K defect classes including ok.
        image_shape: (H, W, 3) of both crops.
        backbone_weights: None (random) or a local ResNet18 ``.weights.h5``.
        hidden_units: width of the fused hidden layer.
        dropout: dropout before the heads.

    Inputs: {"reference": (B, H, W, 3), "test": (B, H, W, 3)} pixel values 0..255.
    Outputs: {"ng": (B, 1) probability, "defect_class": (B, K) probabilities}.
    """

    def __init__(
        self,
        num_classes=9,
        image_shape=(64, 64, 3),
        backbone_weights=None,
        hidden_units=128,
        dropout=0.2,
        **kwargs,
    ):
        # === Layers ===
        crop = keras.Input(image_shape, name="crop")
        backbone = BasicResNetBackbone(
            "resnet18", input_channels=image_shape[-1], weights=backbone_weights, name="resnet18"
        )
        normalized = ImageNormalization(IMAGENET_MEAN, IMAGENET_STD, name="normalize")(crop)
        pooled = keras.layers.GlobalAveragePooling2D(name="pool")(backbone(normalized)["P5"])
        branch = keras.Model(crop, pooled, name="branch")
        # === Functional model ===
        reference = keras.Input(image_shape, name="reference")
        test = keras.Input(image_shape, name="test")
        e_ref, e_test = branch(reference), branch(test)
        fused = keras.layers.Concatenate(name="fusion")(
            [
                e_ref,
                e_test,
                AbsoluteDifference(name="abs_difference")([e_ref, e_test]),
                keras.layers.Multiply(name="product")([e_ref, e_test]),
            ]
        )
        hidden = keras.layers.Dense(hidden_units, activation="relu", name="hidden")(fused)
        hidden = keras.layers.Dropout(dropout, name="dropout")(hidden)
        outputs = {
            "ng": keras.layers.Dense(1, activation="sigmoid", name="ng")(hidden),
            "defect_class": keras.layers.Dense(
                num_classes, activation="softmax", name="defect_class"
            )(hidden),
        }
        super().__init__(inputs={"reference": reference, "test": test}, outputs=outputs, **kwargs)
        # === Config ===
        self.num_classes = num_classes
        self.image_shape = tuple(image_shape)
        self.hidden_units = hidden_units
        self.dropout = dropout

    def get_config(self):
        return {
            "num_classes": self.num_classes,
            "image_shape": self.image_shape,
            "hidden_units": self.hidden_units,
            "dropout": self.dropout,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def compile_mpb3(model: MPB3, learning_rate=1e-3, ng_weight=1.0, class_weight=1.0):
    """Adam and the joint loss: binary cross-entropy on ``ng`` + ``class_weight`` x sparse
    categorical cross-entropy on ``defect_class``; metrics recall / precision / accuracy."""
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss={
            "ng": keras.losses.BinaryCrossentropy(),
            "defect_class": keras.losses.SparseCategoricalCrossentropy(),
        },
        loss_weights={"ng": ng_weight, "defect_class": class_weight},
        metrics={
            "ng": [keras.metrics.Recall(name="recall"), keras.metrics.Precision(name="precision")],
            "defect_class": [keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        },
    )
    return model
