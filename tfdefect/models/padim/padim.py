"""PaDiM: per-patch Gaussian anomaly detection and localisation (arXiv 2011.08785)."""

from __future__ import annotations

import logging
import time

import keras
import numpy as np
import tensorflow as tf

from tfdefect.layers.smooth_upsampling import SmoothUpsampling
from tfdefect.models.padim.feature_extractor import (
    DEFAULT_INITIALIZATION,
    PadimFeatureExtractor,
)
from tfdefect.models.padim.gaussian_accumulator import PatchGaussianAccumulator
from tfdefect.registry import register_model
from tfdefect.serialization import register

logger = logging.getLogger(__name__)


@register
@register_model("anomaly_padim", aliases=("padim",))
class Padim(keras.Model):
    """PaDiM over a CNN feature extractor, fitted on good images only.

    ``fit_gaussian(good_images)`` streams the training images once and stores, for every
    patch of the stride-4 grid, the mean and the inverse of the regularised covariance of its
    embedding as (non-trainable) model weights, so a saved or exported model carries the
    fitted Gaussian inside. ``set_thresholds`` stores the image and pixel decision thresholds
    the same way, ``set_normalization`` the min / max of anomaly maps on a calibration split.

    Args:
        backbone: efficientnetb0..b7, resnet18 or wide_resnet50 (``PADIM_PRESETS``).
        image_shape: (H, W, 3), multiples of 32.
        backbone_weights: None, "imagenet" (EfficientNets; needs internet) or a weights file
            (for resnet18 / wide_resnet50 also a torch ``.safetensors`` checkpoint or the file
            ``tfdefect convert-weights`` wrote: torch layout).
        backbone_torch_layout: the ResNet in torch's layout (None: when the weights need it;
            kept in the config so a saved model reloads alike).
        backbone_initialization: how a ResNet's random weights are drawn, "keras" or "torch"
            (``PadimFeatureExtractor``; EfficientNets ignore it).
        embedding_dims: channels kept by the random subset (None: the preset's value).
        seed: seed of that subset.
        sigma: Gaussian smoothing of the anomaly map in pixels (paper: 4).
        covariance_epsilon: added to the covariance diagonal before inversion (paper: 0.01).
        normalized_scores: answer with anomalib's min-max normalised map and score (each
            ``clip((value - its threshold) / (max - min) + 0.5, 0, 1)``, decisions at 0.5)
            instead of raw Mahalanobis distances; needs ``set_normalization``.

    Call ``model(images)`` with (B, H, W, 3) pixel values 0..255 returns a dict:
    anomaly_map (B, H, W) float32 Mahalanobis distance, smoothed (or normalised); score (B,)
    its maximum; is_anomalous (B,) bool, score >= image threshold; mask (B, H, W) uint8,
    map >= pixel threshold.
    """

    task = "anomaly"  # what the exports and `tfdefect.load` serve it as

    def __init__(
        self,
        backbone="efficientnetb0",
        image_shape=(224, 224, 3),
        backbone_weights=None,
        embedding_dims=None,
        seed=0,
        sigma=4.0,
        covariance_epsilon=0.01,
        normalized_scores=False,
        backbone_torch_layout=None,
        backbone_initialization=DEFAULT_INITIALIZATION,
        **kwargs,
    ):
        super().__init__(**kwargs)
        # === Layers ===
        self.extractor = PadimFeatureExtractor(
            backbone,
            image_shape,
            backbone_weights=backbone_weights,
            embedding_dims=embedding_dims,
            seed=seed,
            torch_layout=backbone_torch_layout,
            initialization=backbone_initialization,
            name="features",
        )
        height, width = image_shape[:2]
        self.smooth_upsample = SmoothUpsampling((height, width), sigma, name="smoothing")
        self.grid = (height // 4, width // 4)
        patches, dims = self.grid[0] * self.grid[1], self.extractor.embedding_dims
        self.patch_mean = self.add_weight(
            shape=(patches, dims), initializer="zeros", trainable=False, name="patch_mean"
        )
        self.patch_precision = self.add_weight(
            shape=(patches, dims, dims), initializer="zeros", trainable=False, name="precision"
        )
        self.threshold = self.add_weight(
            shape=(),
            initializer=keras.initializers.Constant(np.inf),
            trainable=False,
            name="threshold",
        )
        self.num_train_images = self.add_weight(
            shape=(), initializer="zeros", trainable=False, name="num_train_images"
        )
        # since 0.2: a separate image threshold and the normalisation's map min / max
        self.image_threshold = self.add_weight(
            shape=(),
            initializer=keras.initializers.Constant(np.inf),
            trainable=False,
            name="image_threshold",
        )
        self.map_min = self.add_weight(
            shape=(), initializer="zeros", trainable=False, name="map_min"
        )
        self.map_max = self.add_weight(
            shape=(), initializer="ones", trainable=False, name="map_max"
        )
        # === Config ===
        self.backbone_name = backbone
        self.image_shape = tuple(image_shape)
        self.embedding_dims = dims
        self.seed = seed
        self.sigma = sigma
        self.covariance_epsilon = covariance_epsilon
        self.normalized_scores = bool(normalized_scores)
        self.backbone_torch_layout = self.extractor.torch_layout
        self(tf.zeros((1, *self.image_shape)))

    @property
    def is_fitted(self) -> bool:
        return float(self.num_train_images.numpy()) > 0

    def embed(self, images):
        """(B, H, W, 3) pixels -> (B, P, d) patch embeddings, P = H/4 * W/4."""
        features = self.extractor(tf.cast(images, tf.float32), training=False)
        return tf.reshape(features, [-1, self.grid[0] * self.grid[1], self.embedding_dims])

    def patch_distances(self, embeddings):
        """(B, P, d) -> (B, H/4, W/4) Mahalanobis distance of every patch to its Gaussian."""
        diff = tf.transpose(embeddings - self.patch_mean[None], [1, 0, 2])  # (P, B, d)
        weighted = tf.matmul(diff, self.patch_precision)  # (P, B, d)
        squared = tf.reduce_sum(weighted * diff, axis=-1)  # (P, B)
        distances = tf.sqrt(tf.maximum(tf.transpose(squared), 0.0))
        return tf.reshape(distances, [-1, *self.grid])

    def call(self, images, training=False):
        distances = self.patch_distances(self.embed(images))
        anomaly_map = self.smooth_upsample(distances)  # bilinear to (H, W), then smoothed
        score = tf.reduce_max(anomaly_map, axis=[1, 2])
        image_threshold, pixel_threshold = self.image_threshold, self.threshold
        if self.normalized_scores:  # anomalib's min-max normalisation around each threshold
            span = tf.maximum(self.map_max - self.map_min, 1e-12)
            anomaly_map = tf.clip_by_value((anomaly_map - pixel_threshold) / span + 0.5, 0.0, 1.0)
            score = tf.clip_by_value((score - image_threshold) / span + 0.5, 0.0, 1.0)
            image_threshold = pixel_threshold = 0.5
        return {
            "anomaly_map": anomaly_map,
            "score": score,
            "is_anomalous": score >= image_threshold,
            "mask": tf.cast(anomaly_map >= pixel_threshold, tf.uint8),
        }

    def fit_gaussian(self, images, verbose: bool = True, log_every: int = 10):
        """Fit the per-patch Gaussians on good images, streaming.

        Args:
            images: a tf.data.Dataset (or iterable) of (B, H, W, 3) image batches, or of
                (images, anything) tuples; every image is assumed good.
        Returns: the number of images used.
        """
        accumulator = PatchGaussianAccumulator(self.grid[0] * self.grid[1], self.embedding_dims)
        embed = tf.function(self.embed, reduce_retracing=True)
        started = time.time()
        for step, batch in enumerate(images, start=1):
            batch = batch[0] if isinstance(batch, (tuple, list)) else batch
            if tuple(batch.shape[1:]) != self.image_shape:
                raise ValueError(
                    f"training images of shape {tuple(batch.shape[1:])}; the model takes "
                    f"{self.image_shape}"
                )
            accumulator.update(embed(batch).numpy())
            if verbose and step % log_every == 0:
                rate = accumulator.count / (time.time() - started)
                logger.info(f"padim fit: {accumulator.count} images, {rate:.1f} images/s")
        self.patch_mean.assign(accumulator.mean().astype(np.float32))
        self.patch_precision.assign(accumulator.precision(self.covariance_epsilon))
        self.num_train_images.assign(float(accumulator.count))
        if verbose:
            logger.info(f"padim fit: {accumulator.count} images in {time.time() - started:.1f}s")
        return accumulator.count

    def set_threshold(self, value: float) -> None:
        """Store one decision threshold for both the image score and the anomaly map."""
        self.set_thresholds(image=value, pixel=value)

    def set_thresholds(self, image: float, pixel: float) -> None:
        """Store the image-score and the anomaly-map (pixel) decision thresholds (raw
        Mahalanobis units) inside the model."""
        self.image_threshold.assign(float(image))
        self.threshold.assign(float(pixel))

    def set_normalization(self, minimum: float, maximum: float) -> None:
        """Store the min and max of anomaly maps on a calibration split (anomalib's MinMax
        statistics), used when ``normalized_scores``."""
        if not maximum > minimum:
            raise ValueError(f"normalisation needs max > min, got {minimum} and {maximum}")
        self.map_min.assign(float(minimum))
        self.map_max.assign(float(maximum))

    def thresholds(self) -> dict:
        """The decision thresholds in the units the outputs have: {"image", "pixel"}."""
        if self.normalized_scores:
            return {"image": 0.5, "pixel": 0.5}
        return {
            "image": float(self.image_threshold.numpy()),
            "pixel": float(self.threshold.numpy()),
        }

    def load_own_variables(self, store):
        """Load the fitted Gaussian and thresholds; a file saved before image thresholds
        existed (4 variables) loads with its one threshold for both decisions."""
        if len(store.keys()) == 4:
            legacy = (self.patch_mean, self.patch_precision, self.threshold, self.num_train_images)
            for index, variable in enumerate(legacy):
                variable.assign(np.asarray(store[str(index)]))
            self.image_threshold.assign(self.threshold)
            return
        super().load_own_variables(store)

    def get_config(self):
        return {
            "backbone": self.backbone_name,
            "image_shape": self.image_shape,
            "embedding_dims": self.embedding_dims,
            "seed": self.seed,
            "sigma": self.sigma,
            "covariance_epsilon": self.covariance_epsilon,
            "normalized_scores": self.normalized_scores,
            "backbone_torch_layout": self.backbone_torch_layout,
            "backbone_initialization": self.extractor.initialization,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
