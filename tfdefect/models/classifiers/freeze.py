"""Freeze strategies for fine-tuning a zoo classifier."""

from __future__ import annotations

import re

import keras

STRATEGIES = ("feature_extraction", "partial:N", "full")


def walk_layers(model):
    """Leaf layers of ``model`` in order, descending into nested functional models."""
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            yield from walk_layers(layer)
        elif not isinstance(layer, keras.layers.InputLayer):
            yield layer


def backbone_blocks(backbone, block_pattern: str) -> list[list]:
    """The backbone's layers grouped into blocks, in order: group 0 is the stem (layers
    before the first block), each block holds the layers whose name matches
    ``block_pattern`` with the same key, and layers between or after blocks (pooling,
    patch merging, final norm) belong to the block before them."""
    groups, keys = [[]], [None]
    for layer in walk_layers(backbone):
        match = re.search(block_pattern, layer.name)
        if match and match.group(1) != keys[-1]:
            groups.append([])
            keys.append(match.group(1))
        groups[-1].append(layer)
    return groups


def parse_strategy(strategy: str) -> tuple[str, int | None]:
    """ "feature_extraction" | "partial:N" | "full" -> (name, N)."""
    if strategy in ("feature_extraction", "full"):
        return strategy, None
    if strategy.startswith("partial:"):
        try:
            count = int(strategy.split(":", 1)[1])
        except ValueError:
            count = -1
        if count >= 1:
            return "partial", count
    raise ValueError(f"unknown freeze strategy {strategy!r}; use one of {', '.join(STRATEGIES)}")


def apply_freeze_strategy(classifier, strategy: str, freeze_batch_norm: bool = True) -> dict:
    """Set which backbone layers train; the head always trains.

    * ``feature_extraction``: the whole backbone frozen.
    * ``partial:N``: only the last N blocks of the backbone train (see
      :func:`backbone_blocks`); N larger than the block count unfreezes everything.
    * ``full``: everything trains (use a smaller learning rate).

    With ``freeze_batch_norm`` (the Keras fine-tuning advice) every BatchNormalization layer
    of the backbone stays frozen, which in Keras 3 also keeps it in inference mode, so its
    pretrained statistics are not overwritten by small batches. Pass False for a backbone
    trained from scratch. Recompile the model afterwards.

    Returns:
        {"blocks": total blocks (stem excluded), "trainable_blocks": N unfrozen,
         "trainable_weights": count, "frozen_weights": count}.
    """
    name, count = parse_strategy(strategy)
    backbone = classifier.backbone
    blocks = backbone_blocks(backbone, classifier.block_pattern)
    if name == "feature_extraction":
        trainable_groups = 0
    elif name == "full" or count >= len(blocks) - 1:
        trainable_groups = len(blocks)  # every block and the stem
    else:
        trainable_groups = count
    backbone.trainable = True  # propagates to every nested layer, then set per block
    for index, group in enumerate(blocks):
        train = index >= len(blocks) - trainable_groups
        for layer in group:
            layer.trainable = train
            if freeze_batch_norm and isinstance(layer, keras.layers.BatchNormalization):
                layer.trainable = False
    return {
        "blocks": len(blocks) - 1,
        "trainable_blocks": min(trainable_groups, len(blocks) - 1),
        "trainable_weights": len(classifier.trainable_weights),
        "frozen_weights": len(classifier.non_trainable_weights),
    }
