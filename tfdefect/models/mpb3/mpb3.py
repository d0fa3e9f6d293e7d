"""MPB3: multiple-position-based bi-branch network for SMT defects (J Intell Manuf 2021,
doi 10.1007/s10845-021-01870-4), in Keras 3."""

from __future__ import annotations

import keras

from tfdefect.models.mpb3.branch import build_branch, fused_heads
from tfdefect.registry import register_model
from tfdefect.serialization import register


@register
@register_model("pair_mpb3", aliases=("mpb3",))
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

    task = "pair_classification"  # what the exports and `tfdefect.load` serve it as

    def __init__(
        self,
        num_classes=9,
        image_shape=(64, 64, 3),
        backbone_weights=None,
        hidden_units=128,
        dropout=0.2,
        **kwargs,
    ):
        # === Functional model ===
        branch = build_branch(image_shape, backbone_weights)
        reference = keras.Input(image_shape, name="reference")
        test = keras.Input(image_shape, name="test")
        outputs = fused_heads(branch(reference), branch(test), num_classes, hidden_units, dropout)
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
