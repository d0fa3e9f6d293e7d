"""Model compression for the edge: structured channel pruning of Keras 3 models.

``ChannelPruner(criterion).prune(model, target)`` removes ``target`` of a model's
multiply-accumulates by cutting whole output channels (a thinner model of the same
architecture, surviving weights copied); ``ChannelGraph`` shows which channels are tied
together; ``channel_scores`` ranks them.
"""

from tfdefect.compression.channel_graph import ChannelGraph, ChannelGroup
from tfdefect.compression.channel_pruner import ChannelPruner, PruningReport, kept_channels
from tfdefect.compression.channel_scores import CRITERIA, channel_scores

__all__ = [
    "CRITERIA",
    "ChannelGraph",
    "ChannelGroup",
    "ChannelPruner",
    "PruningReport",
    "channel_scores",
    "kept_channels",
]
