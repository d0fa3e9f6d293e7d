"""Assigning torch checkpoint tensors (torchvision / timm names) to tfdefect's Keras
backbones in their ``torch_compatible`` layout: strict, shape-checked, with a report.

Every checkpoint tensor is either assigned or named as ignored with a reason (classifier
heads, ``num_batches_tracked``); every Keras variable must be assigned; shapes are checked
after the layout change (conv kernels OIHW -> HWIO). Written by hand: no converter in the
stack maps torchvision / timm names to these Keras layers (keras-hub's converters are tied to
its own models and need the ``tensorflow`` distribution).
"""

from __future__ import annotations

import re

import numpy as np

from tfdefect.backbones.torch_checkpoint import CheckpointError

_BATCH_NORM = {
    "weight": "gamma",
    "bias": "beta",
    "running_mean": "moving_mean",
    "running_var": "moving_variance",
}
RESNET_ARCHITECTURES = ("resnet18", "resnet34", "resnet25", "resnet50", "wide_resnet50_2")
ARCHITECTURES = (
    *RESNET_ARCHITECTURES,
    "alexnet",
    "vit_b16",
    "deit_s16",
    "deit_s16_distilled",
    "swin_t",
)


def _resnet_target(key: str):
    """torchvision / timm ResNet key -> (Keras layer, variable) or (None, reason)."""
    if key.endswith("num_batches_tracked"):
        return None, "BatchNorm step counter"
    if key.startswith("fc."):
        return None, "ImageNet classifier head"
    if key == "conv1.weight":
        return ("stem_conv", "kernel"), None
    match = re.fullmatch(r"bn1\.(\w+)", key)
    if match:
        return ("stem_bn", _BATCH_NORM.get(match.group(1))), None
    match = re.fullmatch(r"layer(\d)\.(\d+)\.(conv|bn)(\d)\.(\w+)", key)
    if match:
        layer, block, kind, index, field = match.groups()
        name = f"stage{int(layer) + 1}_block{block}_{kind}{int(index) - 1}"
        return (name, "kernel" if kind == "conv" else _BATCH_NORM.get(field)), None
    match = re.fullmatch(r"layer(\d)\.(\d+)\.downsample\.([01])\.(\w+)", key)
    if match:
        layer, block, part, field = match.groups()
        name = f"stage{int(layer) + 1}_block{block}_proj" + ("" if part == "0" else "_bn")
        return (name, "kernel" if part == "0" else _BATCH_NORM.get(field)), None
    return (None, None), None


_ALEXNET_CONVS = {0: 1, 3: 2, 6: 3, 8: 4, 10: 5}  # torchvision features.<i> -> block<n>


def _alexnet_target(key: str):
    if key.startswith("classifier."):
        return None, "ImageNet classifier head (the zoo puts its own head on the features)"
    match = re.fullmatch(r"features\.(\d+)\.(weight|bias)", key)
    if match and int(match.group(1)) in _ALEXNET_CONVS:
        name = f"block{_ALEXNET_CONVS[int(match.group(1))]}_conv"
        return (name, "kernel" if match.group(2) == "weight" else "bias"), None
    return (None, None), None


TRANSFORMER_ARCHITECTURES = ("vit_b16", "deit_s16", "deit_s16_distilled")


def _vit_target(key: str):
    """timm ViT / DeiT key -> (Keras layer, variable tag) or (None, reason)."""
    if key.startswith(("head.", "head_dist.")):
        return None, "ImageNet classifier head"
    simple = {
        "cls_token": ("stem_class_tokens", "tokens:0"),
        "dist_token": ("stem_class_tokens", "tokens:1"),
        "pos_embed": ("stem_position_embedding", "embedding"),
        "patch_embed.proj.weight": ("stem_patch_embed", "kernel"),
        "patch_embed.proj.bias": ("stem_patch_embed", "bias"),
        "norm.weight": ("final_norm", "gamma"),
        "norm.bias": ("final_norm", "beta"),
    }
    if key in simple:
        return simple[key], None
    match = re.fullmatch(
        r"blocks\.(\d+)\.(norm[12]|mlp\.fc[12]|attn\.qkv|attn\.proj)\.(weight|bias)", key
    )
    if not match:
        return (None, None), None
    index, part, field = match.groups()
    block = f"block{int(index) + 1}"
    if part.startswith("norm"):
        return (f"{block}_{part}", "gamma" if field == "weight" else "beta"), None
    if part.startswith("mlp"):
        return (f"{block}_mlp{part[-1]}", "dense_kernel" if field == "weight" else "bias"), None
    return (f"{block}_attention", f"{part.split('.')[1]}_{field}"), None


SWIN_DEPTHS = (2, 2, 6, 2)  # Swin-T
# timm concatenates a 2x2 neighbourhood as (0,0), (1,0), (0,1), (1,1) (row, column offsets);
# tfdefect's patch merging as (0,0), (0,1), (1,0), (1,1): the same layer once its LayerNorm
# and reduction weights are permuted, so the Keras layout stays as saved models have it
MERGE_ORDER = (0, 2, 1, 3)


def _swin_target(key: str):
    """timm Swin-T key -> (Keras layer, variable tag) or (None, reason)."""
    if key.startswith("head."):
        return None, "ImageNet classifier head"
    if key.endswith(("relative_position_index", "attn_mask")):
        return None, "index / mask buffer (recomputed from the window size)"
    simple = {
        "patch_embed.proj.weight": ("stem_patch_embed", "kernel"),
        "patch_embed.proj.bias": ("stem_patch_embed", "bias"),
        "patch_embed.norm.weight": ("stem_norm", "gamma"),
        "patch_embed.norm.bias": ("stem_norm", "beta"),
        "norm.weight": ("final_norm", "gamma"),
        "norm.bias": ("final_norm", "beta"),
    }
    if key in simple:
        return simple[key], None
    match = re.fullmatch(
        r"layers\.(\d)\.downsample\.(norm\.weight|norm\.bias|reduction\.weight)", key
    )
    if match:
        stage, part = match.groups()
        layer = f"merge{stage}_" + ("norm" if part.startswith("norm") else "reduction")
        return (
            layer,
            {"norm.weight": "merge_gamma", "norm.bias": "merge_beta"}.get(part, "merge_kernel"),
        ), None
    match = re.fullmatch(r"layers\.(\d)\.blocks\.(\d+)\.(.+)", key)
    if not match:
        return (None, None), None
    stage, block, rest = match.groups()
    name = f"block{sum(SWIN_DEPTHS[: int(stage)]) + int(block) + 1}"
    parts = {
        "norm1.weight": (f"{name}_norm1", "gamma"),
        "norm1.bias": (f"{name}_norm1", "beta"),
        "norm2.weight": (f"{name}_norm2", "gamma"),
        "norm2.bias": (f"{name}_norm2", "beta"),
        "attn.qkv.weight": (f"{name}_attention", "window_qkv_weight"),
        "attn.qkv.bias": (f"{name}_attention", "window_qkv_bias"),
        "attn.proj.weight": (f"{name}_attention", "window_proj_weight"),
        "attn.proj.bias": (f"{name}_attention", "window_proj_bias"),
        "attn.relative_position_bias_table": (f"{name}_attention", "bias_table"),
        "mlp.fc1.weight": (f"{name}_mlp1", "dense_kernel"),
        "mlp.fc1.bias": (f"{name}_mlp1", "bias"),
        "mlp.fc2.weight": (f"{name}_mlp2", "dense_kernel"),
        "mlp.fc2.bias": (f"{name}_mlp2", "bias"),
    }
    return parts.get(rest, (None, None)), None


def _target(architecture: str):
    if architecture == "swin_t":
        return _swin_target
    if architecture in TRANSFORMER_ARCHITECTURES:
        return _vit_target
    if architecture in RESNET_ARCHITECTURES:
        return _resnet_target
    if architecture == "alexnet":
        return _alexnet_target
    raise CheckpointError(
        f"no torch conversion for {architecture!r}; convertible: {', '.join(ARCHITECTURES)}"
    )


def _pieces(layer, tag: str, value: np.ndarray):
    """[(Keras variable, value in its layout, token index or None)] for one tensor."""
    if tag.startswith("tokens:"):
        return [(layer.tokens, value.reshape(-1), int(tag.split(":")[1]))]
    if tag == "dense_kernel":  # torch Linear (out, in) -> Dense (in, out)
        return [(layer.kernel, value.T, None)]
    if tag == "kernel":  # torch Conv2d (O, I, H, W) -> (H, W, I, O)
        return [(layer.kernel, value.transpose(2, 3, 1, 0), None)]
    if tag in ("qkv_weight", "qkv_bias"):  # torch's fused q, k, v -> Keras' three EinsumDense
        heads, head_dim = layer.num_heads, layer.key_dim
        parts = np.split(value, 3, axis=0)
        denses = (layer._query_dense, layer._key_dense, layer._value_dense)
        if tag == "qkv_weight":
            return [
                (d.kernel, p.T.reshape(-1, heads, head_dim), None)
                for d, p in zip(denses, parts, strict=True)
            ]
        return [
            (d.bias, p.reshape(heads, head_dim), None) for d, p in zip(denses, parts, strict=True)
        ]
    if tag == "proj_weight":
        heads, head_dim = layer.num_heads, layer.key_dim
        return [(layer._output_dense.kernel, value.T.reshape(heads, head_dim, -1), None)]
    if tag == "proj_bias":
        return [(layer._output_dense.bias, value, None)]
    if tag.startswith("window_"):  # ShiftedWindowAttention's fused qkv and projection
        dense = layer.qkv if "qkv" in tag else layer.projection
        return [
            (
                dense.kernel if tag.endswith("weight") else dense.bias,
                value.T if tag.endswith("weight") else value,
                None,
            )
        ]
    if tag == "bias_table":  # ((2W-1)^2, heads): the centre (2w-1)^2 for a smaller window
        side, target = int(round(np.sqrt(len(value)))), 2 * layer.window - 1
        if side > target:
            start = (side - target) // 2
            table = value.reshape(side, side, -1)[start : start + target, start : start + target]
            value = table.reshape(target * target, -1)
        return [(layer.bias_table, value, None)]
    if tag.startswith("merge_"):
        if tag == "merge_kernel":  # (2C, 4C) -> (4C, 2C), input rows in tfdefect's order
            value = value.T
        quarter = value.shape[0] // 4
        value = value.reshape(4, quarter, *value.shape[1:])[list(MERGE_ORDER)]
        value = value.reshape(4 * quarter, *value.shape[2:])
        variable = {"merge_gamma": "gamma", "merge_beta": "beta", "merge_kernel": "kernel"}[tag]
        return [(getattr(layer, variable), value, None)]
    if tag == "embedding" and value.shape != tuple(layer.embedding.shape):
        from tfdefect.backbones.position_resampling import resample_position_table

        target = layer.embedding.shape[1]
        for prefix in (1, 2):  # class token, or class + distillation tokens
            side, grid = np.sqrt(value.shape[1] - prefix), np.sqrt(target - prefix)
            if side == int(side) and grid == int(grid):
                value = resample_position_table(value, prefix, (int(grid), int(grid)))
                break
    variable = getattr(layer, tag, None)
    return [(variable, value, None)] if variable is not None else []


def assign_torch_checkpoint(model, tensors: dict, architecture: str, source: str = "") -> dict:
    """Assign ``tensors`` ({torch name: array}) to ``model``'s variables.

    Returns: the report {"architecture", "checkpoint", "assigned" (Keras variables given a
    value), "assigned_tensors" (checkpoint tensors used: a fused qkv fills three variables,
    two token tensors one table), "ignored" {name: reason}, "keras_variables"}.

    Raises:
        CheckpointError: an unknown tensor, a shape mismatch, or a Keras variable left
            unassigned (naming them).
    """
    target_of = _target(architecture)
    layers = {layer.name: layer for layer in model._flatten_layers(include_self=False)}
    assigned, ignored, unknown, used = {}, {}, [], 0
    for key in sorted(tensors):
        target, reason = target_of(key)
        if target is None:
            ignored[key] = reason
            continue
        layer_name, tag = target
        layer = layers.get(layer_name)
        pieces = _pieces(layer, tag, np.asarray(tensors[key], np.float32)) if layer and tag else []
        if not pieces:
            unknown.append(key)
            continue
        for variable, value, index in pieces:
            expected = tuple(variable.shape) if index is None else tuple(variable.shape[2:])
            if tuple(value.shape) != expected:
                raise CheckpointError(
                    f"{source}: {key} has shape {tuple(tensors[key].shape)}, which does not fit "
                    f"{layer_name}.{tag} {expected} (another architecture or image size, or a "
                    "different input channel count: ImageNet weights take 3 channels)"
                )
            if index is None:
                variable.assign(value)
            else:  # one row of a token table
                table = np.array(variable.numpy())
                table[0, index] = value.reshape(-1)
                variable.assign(table)
            assigned.setdefault(id(variable), set()).add(index)
        used += 1
    if unknown:
        raise CheckpointError(
            f"{source}: {len(unknown)} tensors match no layer of {architecture} "
            f"(e.g. {', '.join(unknown[:5])}): is it a {architecture} checkpoint?"
        )
    missing = [
        v.path
        for v in model.weights
        if id(v) not in assigned
        or (None not in assigned[id(v)] and len(assigned[id(v)]) != v.shape[1])  # token rows
    ]
    if missing:
        raise CheckpointError(
            f"{source}: {len(missing)} variables of {architecture} got no tensor "
            f"(e.g. {', '.join(missing[:5])}): the checkpoint is incomplete or of a smaller model"
        )
    return {
        "architecture": architecture,
        "checkpoint": source,
        "assigned": len(assigned),
        "assigned_tensors": used,
        "ignored": ignored,
        "keras_variables": len(model.weights),
    }
