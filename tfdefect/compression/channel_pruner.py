"""Structured (channel) pruning of Keras 3 models: a thinner model, not a masked one."""

from __future__ import annotations

import dataclasses

import keras
import numpy as np

from tfdefect.compression.channel_graph import ChannelGraph
from tfdefect.compression.channel_scores import CRITERIA, channel_scores


@dataclasses.dataclass
class PruningReport:
    """What one pruning removed (JSON-ready with ``dataclasses.asdict``).

    Attributes:
        criterion: the channel ranking (``CRITERIA``).
        target: fraction of ``reference_macs`` asked to be gone.
        channel_ratio: the fraction of channels removed from every prunable group.
        reference_macs / macs_before / macs_after: multiply-accumulates per image of the
            unpruned model, the model given, and the pruned one.
        params_before / params_after: parameter counts.
        groups: prunable channel groups; channels_before / channels_after: their channels.
    """

    criterion: str
    target: float
    channel_ratio: float
    reference_macs: int
    macs_before: int
    macs_after: int
    params_before: int
    params_after: int
    groups: int
    channels_before: int
    channels_after: int

    @property
    def macs_removed(self) -> float:
        """Fraction of ``reference_macs`` gone."""
        return 1.0 - self.macs_after / self.reference_macs


def kept_channels(size: int, ratio: float, multiple: int) -> int:
    """Channels a group of ``size`` keeps when ``ratio`` of them go, rounded to
    ``multiple`` (CPU kernels run fastest on multiples of the vector width), at least
    ``min(size, multiple)``; ratio 0 keeps all."""
    if ratio <= 0:
        return int(size)
    keep = size * (1.0 - ratio)
    keep = int(round(keep / multiple)) * multiple
    return int(min(size, max(keep, min(size, multiple), 1)))


class ChannelPruner:
    """Removes the least important output channels of a Keras model's convolutions.

    Every prunable channel group (``ChannelGraph``: a convolution's outputs with the
    BatchNormalization, depthwise convolution and residual adds they pass through) loses
    the same fraction of its channels, the lowest by ``criterion``; the fraction is the
    smallest that removes ``target`` of the model's MACs. The pruned model is rebuilt with
    ``keras.models.clone_model`` from the same layer configs with fewer filters, and the
    surviving weights are copied, so nothing masked stays in the graph: the model is
    smaller and faster in Keras, SavedModel, ONNX and TFLite alike. It is a plain
    functional ``keras.Model`` (inputs (B, H, W, C) as before, outputs unchanged).

    Args:
        criterion: "l1" (filter L1 norm) or "bn_scale" (BatchNormalization scale).
        channel_multiple: kept channels per group are rounded to this multiple.

    Example:
        >>> pruner = ChannelPruner("l1")
        >>> thinner, report = pruner.prune(model, target=0.5)
    """

    def __init__(self, criterion: str = "l1", channel_multiple: int = 8):
        if criterion not in CRITERIA:
            raise ValueError(f"criterion {criterion!r}: choose from {', '.join(CRITERIA)}")
        if int(channel_multiple) < 1:
            raise ValueError(f"channel_multiple {channel_multiple}: must be 1 or more")
        self.criterion = criterion
        self.channel_multiple = int(channel_multiple)

    def prune(
        self, model: keras.Model, target: float, reference_macs: int | None = None
    ) -> tuple[keras.Model, PruningReport]:
        """A copy of ``model`` with ``target`` of ``reference_macs`` removed.

        Args:
            model: a functional Keras model with a fixed input size.
            target: fraction of MACs to remove, 0 <= target < 1 (0: an exact copy).
            reference_macs: the MACs ``target`` is a fraction of (default: ``model``'s own;
                an iterative schedule passes the unpruned model's).
        Returns:
            (pruned model, ``PruningReport``).
        """
        try:
            target = float(target)
        except (TypeError, ValueError):
            raise ValueError(f"prune target {target!r}: must be a number") from None
        if not 0.0 <= target < 1.0:
            raise ValueError(
                f"prune target {target}: the fraction of MACs to remove must be at least 0 "
                "and below 1"
            )
        graph = ChannelGraph(model)
        groups = graph.prunable_groups()
        if not groups:
            reasons = sorted({g.blocked for g in graph.groups() if g.blocked})[:3]
            raise ValueError(
                f"{model.name}: no prunable convolution channels"
                + (f" ({'; '.join(reasons)})" if reasons else "")
            )
        macs_before = graph.macs()
        reference = int(reference_macs or macs_before)
        ratio = self._ratio_for(graph, groups, target, reference)
        kept = {}
        for group in groups:
            count = kept_channels(group.size, ratio, self.channel_multiple)
            scores = channel_scores(group, self.criterion)
            # the highest scores stay, in their original order
            kept[group.index] = np.sort(np.argsort(-scores, kind="stable")[:count])
        pruned = _rebuild(model, graph, kept)
        report = PruningReport(
            criterion=self.criterion,
            target=target,
            channel_ratio=round(ratio, 4),
            reference_macs=reference,
            macs_before=macs_before,
            macs_after=graph.macs({i: len(k) for i, k in kept.items()}),
            params_before=int(model.count_params()),
            params_after=int(pruned.count_params()),
            groups=len(groups),
            channels_before=int(sum(g.size for g in groups)),
            channels_after=int(sum(len(k) for k in kept.values())),
        )
        return pruned, report

    def _ratio_for(self, graph, groups, target: float, reference: int) -> float:
        """The smallest channel fraction whose pruning removes ``target`` of ``reference``."""

        def removed(ratio):
            sizes = {g.index: kept_channels(g.size, ratio, self.channel_multiple) for g in groups}
            return 1.0 - graph.macs(sizes) / reference

        if removed(0.0) >= target:
            return 0.0
        most = removed(1.0)
        if most < target:
            raise ValueError(
                f"prune target {target}: at most {most:.2f} of this model's MACs can be "
                f"removed (every group down to {self.channel_multiple} channels)"
            )
        low, high = 0.0, 1.0
        for _ in range(40):  # removed() is a step function of the ratio: bisect to its step
            middle = (low + high) / 2
            low, high = (low, middle) if removed(middle) >= target else (middle, high)
        return high


def _rebuild(model: keras.Model, graph: ChannelGraph, kept: dict) -> keras.Model:
    """``model`` with each prunable group cut to its ``kept`` channel indices."""
    layer_groups = graph.layer_groups()
    pairs = []

    def indices(group):
        return None if group is None else kept.get(group.index)

    def clone_function(layer):
        config = layer.get_config()
        groups = layer_groups.get(id(layer))
        if isinstance(layer, keras.layers.Conv2D) and not isinstance(
            layer, keras.layers.DepthwiseConv2D
        ):
            out = indices(groups[1]) if groups else None
            if out is not None:
                config["filters"] = len(out)
        clone = layer.__class__.from_config(config)
        pairs.append((layer, clone))
        return clone

    pruned = keras.models.clone_model(model, clone_function=clone_function, recursive=True)
    for original, clone in pairs:
        groups = layer_groups.get(id(original), (None, None))
        clone.set_weights(_sliced_weights(original, indices(groups[0]), indices(groups[1])))
    return pruned


def _sliced_weights(layer, inputs, outputs) -> list:
    """``layer``'s weights keeping the ``inputs`` / ``outputs`` channel indices (None: all)."""
    weights = layer.get_weights()

    def take(array, index, axis):
        return array if index is None else np.take(array, index, axis=axis)

    if isinstance(layer, keras.layers.DepthwiseConv2D):  # (kh, kw, C, 1), bias (C,)
        return [take(w, inputs, 2 if w.ndim == 4 else 0) for w in weights]
    if isinstance(layer, keras.layers.Conv2D):  # (kh, kw, C_in, C_out), bias (C_out,)
        return [
            take(take(w, inputs, 2), outputs, 3) if w.ndim == 4 else take(w, outputs, 0)
            for w in weights
        ]
    if isinstance(layer, keras.layers.BatchNormalization):  # (C,) each
        return [take(w, inputs, 0) for w in weights]
    if isinstance(layer, keras.layers.Dense):  # (C_in, units), bias (units,)
        return [take(w, inputs, 0) if w.ndim == 2 else w for w in weights]
    return weights
