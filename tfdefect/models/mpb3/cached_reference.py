"""MPB3 for a production line: each position's gold reference embedded once."""

from __future__ import annotations

import keras
import numpy as np

from tfdefect.models.mpb3.branch import EMBEDDING_DIM, HEAD_LAYERS, build_branch, fused_heads
from tfdefect.serialization import register


@register
class CachedReferenceMPB3(keras.Model):
    """MPB3 whose reference branch was run once per position and stored.

    The gold reference of a position never changes on a line, so its (512,) embedding is
    kept in a frozen table (an ``Embedding`` layer) and only the test crop goes through
    ResNet18: half the work of the pair model per part, same outputs (up to float rounding).
    Build it from a trained model with :meth:`from_mpb3`.

    Args:
        num_positions: P cached references; ``position_id`` indexes them in that order.
        num_classes, image_shape, hidden_units: as in the MPB3 it was built from.
        embedding_dim: D of the branch embedding (512 for ResNet18).

    Inputs: {"test": (B, H, W, 3) pixel values 0..255, "position_id": (B,) int32 in [0, P)}.
    Outputs: {"ng": (B, 1) probability, "defect_class": (B, K) probabilities}.
    """

    task = "pair_classification"  # what the exports and `tfdefect.load` serve it as

    def __init__(
        self,
        num_positions,
        num_classes=9,
        image_shape=(64, 64, 3),
        hidden_units=128,
        embedding_dim=EMBEDDING_DIM,
        **kwargs,
    ):
        # === Functional model ===
        test = keras.Input(image_shape, name="test")
        position_id = keras.Input((), dtype="int32", name="position_id")
        e_test = build_branch(image_shape)(test)
        e_ref = keras.layers.Embedding(
            num_positions, embedding_dim, trainable=False, name="reference_embeddings"
        )(position_id)
        outputs = fused_heads(e_ref, e_test, num_classes, hidden_units, dropout=0.0)
        super().__init__(
            inputs={"test": test, "position_id": position_id}, outputs=outputs, **kwargs
        )
        # === Config ===
        self.num_positions = num_positions
        self.num_classes = num_classes
        self.image_shape = tuple(image_shape)
        self.hidden_units = hidden_units
        self.embedding_dim = embedding_dim

    def input_value_ranges(self) -> dict:
        """Valid values of non-image inputs, checked by the serving signatures:
        ``{"position_id": (0, num_positions)}`` (low inclusive, high exclusive)."""
        return {"position_id": (0, self.num_positions)}

    @classmethod
    def from_mpb3(cls, model, reference_images, name="mpb3_cached_reference"):
        """Copy ``model``'s weights and embed ``reference_images`` (P, H, W, 3), one gold
        reference per position, in position-id order."""
        reference_images = np.asarray(reference_images, dtype="float32")
        if reference_images.ndim != 4 or reference_images.shape[1:] != model.image_shape:
            raise ValueError(
                f"reference_images must be (P, H, W, C) with (H, W, C) = {model.image_shape}, "
                f"got {reference_images.shape}"
            )
        branch = model.get_layer("branch")
        embeddings = np.asarray(branch.predict_on_batch(reference_images))
        cached = cls(
            num_positions=len(reference_images),
            num_classes=model.num_classes,
            image_shape=model.image_shape,
            hidden_units=model.hidden_units,
            embedding_dim=embeddings.shape[-1],
            name=name,
        )
        for layer_name in HEAD_LAYERS:
            cached.get_layer(layer_name).set_weights(model.get_layer(layer_name).get_weights())
        cached.get_layer("reference_embeddings").set_weights([embeddings])
        return cached

    def get_config(self):
        return {
            "num_positions": self.num_positions,
            "num_classes": self.num_classes,
            "image_shape": self.image_shape,
            "hidden_units": self.hidden_units,
            "embedding_dim": self.embedding_dim,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
