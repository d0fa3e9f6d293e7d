"""How much each channel of a group matters: the ranking criteria of channel pruning."""

from __future__ import annotations

import numpy as np

from tfdefect.compression.channel_graph import ChannelGroup

CRITERIA = ("l1", "bn_scale")


def channel_scores(group: ChannelGroup, criterion: str = "l1") -> np.ndarray:
    """One importance score per channel of ``group`` (higher: keep).

    ``"l1"``: the L1 norm of each producer's filter for that channel (Li et al., "Pruning
    Filters for Efficient ConvNets"). ``"bn_scale"``: the absolute BatchNormalization scale
    right after each producer (Liu et al., "Network Slimming"); a channel whose scale is
    near 0 contributes only its shift. With several producers (a residual stage) each
    producer's scores are divided by their maximum, then summed.

    Args:
        group: a prunable group of a ``ChannelGraph``.
        criterion: one of ``CRITERIA``.
    Returns:
        (group.size,) float64 scores.
    """
    if criterion not in CRITERIA:
        raise ValueError(f"criterion {criterion!r}: choose from {', '.join(CRITERIA)}")
    total = np.zeros(group.size)
    for producer in group.producers:
        if criterion == "l1":
            kernel = np.abs(np.asarray(producer.kernel.numpy()))
            scores = kernel.reshape(-1, kernel.shape[-1]).sum(axis=0)
        else:
            norm = group.batch_norms.get(producer.name)
            if norm is None or not norm.scale:
                raise ValueError(
                    f"criterion 'bn_scale': no BatchNormalization with a scale follows "
                    f"{producer.name}; use criterion='l1'"
                )
            scores = np.abs(np.asarray(norm.gamma.numpy()))
        peak = scores.max()
        total += scores / peak if peak > 0 else scores
    return total
