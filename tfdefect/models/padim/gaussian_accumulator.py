"""Per-patch multivariate Gaussian from streamed embeddings (sums and outer-product sums)."""

from __future__ import annotations

import numpy as np


class PatchGaussianAccumulator:
    """Accumulates, for every patch position p, n, sum_x and sum_x x^T in float64.

    Memory is (P, d) + (P, d, d) whatever the number of images, unlike stacking all
    embeddings as PaDiM's reference code does.

    Args:
        patches: P, the number of patch positions (h * w of the embedding grid).
        dims: d, the embedding size.
        chunk: patches processed at a time in updates and in ``precision``, which bounds
            the temporary memory to chunk * d * d values.
    """

    def __init__(self, patches: int, dims: int, chunk: int = 256):
        self.chunk = chunk
        self.count = 0
        self.sums = np.zeros((patches, dims), np.float64)
        self.outer_sums = np.zeros((patches, dims, dims), np.float64)

    def update(self, embeddings: np.ndarray) -> None:
        """Add a batch of (B, P, d) embeddings."""
        if embeddings.ndim != 3 or embeddings.shape[1:] != self.sums.shape:
            raise ValueError(
                f"embeddings of shape {embeddings.shape}; expected (B, {self.sums.shape[0]}, "
                f"{self.sums.shape[1]})"
            )
        x = np.asarray(embeddings, np.float64).transpose(1, 0, 2)  # (P, B, d)
        self.count += x.shape[1]
        self.sums += x.sum(axis=1)
        for start in range(0, x.shape[0], self.chunk):
            part = x[start : start + self.chunk]
            self.outer_sums[start : start + self.chunk] += np.matmul(part.transpose(0, 2, 1), part)

    def mean(self) -> np.ndarray:
        """(P, d) per-patch mean."""
        self._check()
        return self.sums / self.count

    def covariance(self, epsilon: float = 0.01) -> np.ndarray:
        """(P, d, d) unbiased per-patch covariance plus ``epsilon`` * I (PaDiM: 0.01)."""
        self._check()
        mean = self.mean()
        scatter = self.outer_sums - self.count * mean[:, :, None] * mean[:, None, :]
        dims = self.sums.shape[1]
        return scatter / (self.count - 1) + epsilon * np.eye(dims)[None]

    def precision(self, epsilon: float = 0.01, dtype=np.float32) -> np.ndarray:
        """(P, d, d) inverse of ``covariance(epsilon)``, computed in float64 chunk by chunk
        and returned as ``dtype``."""
        self._check()
        patches, dims = self.sums.shape
        result = np.empty((patches, dims, dims), dtype)
        identity = epsilon * np.eye(dims)[None]
        for start in range(0, patches, self.chunk):
            end = start + self.chunk
            mean = self.sums[start:end] / self.count
            scatter = self.outer_sums[start:end] - self.count * mean[:, :, None] * mean[:, None, :]
            result[start:end] = np.linalg.inv(scatter / (self.count - 1) + identity)
        return result

    def _check(self):
        if self.count < 2:
            raise ValueError(f"need at least 2 training images, got {self.count}")
