"""Seeded random state dicts for the torch parity fixtures, rebuilt identically with NumPy
alone (the fixture script feeds them to torch; the tests convert them without torch).

Scales keep a random network's activations finite and of order one: He-normal conv and
linear weights, BatchNorm gammas in [0.5, 1.5], small biases and running means, running
variances in [0.5, 1.5].
"""

from __future__ import annotations

import zlib

import numpy as np


def random_tensor(seed: int, name: str, shape) -> np.ndarray:
    """The tensor ``name`` of ``shape`` for ``seed`` (depends on nothing else)."""
    shape = tuple(int(s) for s in shape)
    rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
    if name.endswith("num_batches_tracked"):
        return np.zeros(shape, np.int64)
    if name.endswith("running_var"):
        return rng.uniform(0.5, 1.5, shape).astype(np.float32)
    if name.endswith(("running_mean", "bias")):
        return rng.normal(0.0, 0.1, shape).astype(np.float32)
    if len(shape) == 1:  # norm scales
        return rng.uniform(0.5, 1.5, shape).astype(np.float32)
    fan_in = int(np.prod(shape[1:]))
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), shape).astype(np.float32)


def random_state(seed: int, shapes: dict) -> dict[str, np.ndarray]:
    """{name: tensor} for {name: shape}."""
    return {name: random_tensor(seed, name, shape) for name, shape in shapes.items()}


def fixture_input(seed: int, shape) -> np.ndarray:
    """The fixed (N, C, H, W) normalised input of a fixture."""
    return np.random.default_rng([seed, 7]).normal(0.0, 1.0, tuple(shape)).astype(np.float32)
