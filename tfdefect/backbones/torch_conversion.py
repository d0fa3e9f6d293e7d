"""Assigning torch checkpoint tensors (torchvision / timm names) to tfdefect's Keras
backbones in their ``torch_compatible`` layout: strict, shape-checked, with a report.

Every checkpoint tensor is either assigned or named as ignored with a reason (classifier
heads, ``num_batches_tracked``); every Keras variable must be assigned; shapes are checked
after the layout change (conv kernels OIHW -> HWIO). Errors are one line naming the file and
the torch keys (``layer3.4.bn2.running_var``), never only the Keras variables. Tensors fitted
to another image size (ViT / DeiT position tables resampled, Swin bias tables cropped to the
smaller windows tfdefect uses on small maps) are listed in the report's "resampled"; a Swin
table of another window than swin_t's 7 is refused.

Names: ``MODEL_NAMES`` maps tfdefect's model names (``wide_resnet50``, ``vit``, ``deit``,
``deit_undistilled``, ...) to the checkpoint layouts of ``ARCHITECTURES`` (timm's names, the
earlier ``convert-weights`` names, still accepted through ``ALIASES``).

Written by hand: no converter in the stack maps torchvision / timm names to these Keras
layers (keras-hub's converters are tied to its own models and need the ``tensorflow``
distribution).
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
# the checkpoint layouts (timm / torchvision names; the parity fixtures are named after them)
ARCHITECTURES = (
    *RESNET_ARCHITECTURES,
    "alexnet",
    "vit_b16",
    "deit_s16",
    "deit_s16_distilled",
    "swin_t",
)
# the tfdefect model name of each layout: the primary ``convert-weights --architecture``
# names, the names the models take and the zoo's ``<name>.weights.h5``
MODEL_NAMES = {
    "resnet18": "resnet18",
    "resnet34": "resnet34",
    "resnet25": "resnet25",
    "resnet50": "resnet50",
    "wide_resnet50": "wide_resnet50_2",
    "alexnet": "alexnet",
    "vit": "vit_b16",
    "deit": "deit_s16_distilled",  # the zoo's DeiT: with the distillation token
    "deit_undistilled": "deit_s16",
    "swin_t": "swin_t",
}
# other names accepted for a model name (the earlier convert-weights names among them)
ALIASES = {
    "wide_resnet50_2": "wide_resnet50",
    "vit_b16": "vit",
    "deit_s16_distilled": "deit",
    "deit_distilled": "deit",
    "deit_s16": "deit_undistilled",
}


def model_name(name: str) -> str:
    """The model name of ``name`` (a model name, an alias or a checkpoint layout).

    Raises:
        CheckpointError: no torch conversion goes to ``name``.
    """
    name = ALIASES.get(name, name)
    if name not in MODEL_NAMES:
        raise CheckpointError(f"no torch conversion for {name!r}; convertible: {names_help()}")
    return name


def checkpoint_layout(name: str) -> str:
    """The checkpoint layout (a key of ``ARCHITECTURES``) of a model name or alias."""
    return MODEL_NAMES[model_name(name)]


def names_help() -> str:
    """The model names, then the aliases: "resnet18, ... (also wide_resnet50_2 = ...)"."""
    aliases = ", ".join(f"{alias} = {name}" for alias, name in ALIASES.items())
    return f"{', '.join(MODEL_NAMES)} (also accepted: {aliases})"


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
# the window of swin_t (timm swin_tiny_patch4_window7_224, swin_features' default): its
# relative-position tables have (2 * 7 - 1)^2 = 169 rows
SWIN_T_WINDOW = 7
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


def _target(layout: str):
    if layout == "swin_t":
        return _swin_target
    if layout in TRANSFORMER_ARCHITECTURES:
        return _vit_target
    if layout in RESNET_ARCHITECTURES:
        return _resnet_target
    if layout == "alexnet":
        return _alexnet_target
    raise CheckpointError(f"no torch conversion for {layout!r}; convertible: {names_help()}")


# === the torch key of a Keras variable (naming what a checkpoint lacks) ===
_FIELDS = {
    "gamma": "weight",
    "beta": "bias",
    "kernel": "weight",
    "bias": "bias",
    "moving_mean": "running_mean",
    "moving_variance": "running_var",
}
# Keras sub-layers of the attention layers -> the fused torch Linear they come from
_ATTENTION_PARTS = {
    "query": "qkv",
    "key": "qkv",
    "value": "qkv",
    "attention_output": "proj",
    "qkv": "qkv",
    "projection": "proj",
}


def _resnet_key(layer: str, sub, variable: str):
    field = _FIELDS.get(variable)
    if layer in ("stem_conv", "stem_bn"):
        return f"{'conv1' if layer == 'stem_conv' else 'bn1'}.{field}"
    match = re.fullmatch(r"stage(\d)_block(\d+)_(conv|bn)(\d)", layer)
    if match:
        stage, block, kind, index = match.groups()
        return f"layer{int(stage) - 1}.{block}.{kind}{int(index) + 1}.{field}"
    match = re.fullmatch(r"stage(\d)_block(\d+)_proj(_bn)?", layer)
    if match:
        stage, block, norm = match.groups()
        return f"layer{int(stage) - 1}.{block}.downsample.{1 if norm else 0}.{field}"
    return None


def _alexnet_key(layer: str, sub, variable: str):
    match = re.fullmatch(r"block(\d)_conv", layer)
    indices = {block: index for index, block in _ALEXNET_CONVS.items()}
    index = indices.get(int(match.group(1))) if match else None
    return None if index is None else f"features.{index}.{_FIELDS.get(variable)}"


def _block_key(prefix: str, layer: str, sub, variable: str):
    """The key of a ViT / Swin block variable under ``prefix`` (``blocks.3``)."""
    part, field = layer.split("_", 1)[1], _FIELDS.get(variable)
    if part in ("norm1", "norm2"):
        return f"{prefix}.{part}.{field}"
    if part in ("mlp1", "mlp2"):
        return f"{prefix}.mlp.fc{part[-1]}.{field}"
    if variable == "relative_position_bias":
        return f"{prefix}.attn.relative_position_bias_table"
    if part == "attention" and sub in _ATTENTION_PARTS:
        return f"{prefix}.attn.{_ATTENTION_PARTS[sub]}.{field}"
    return None


_STEM_KEYS = {
    ("stem_patch_embed", "kernel"): "patch_embed.proj.weight",
    ("stem_patch_embed", "bias"): "patch_embed.proj.bias",
    ("final_norm", "gamma"): "norm.weight",
    ("final_norm", "beta"): "norm.bias",
    ("stem_position_embedding", "embedding"): "pos_embed",  # ViT / DeiT
    ("stem_norm", "gamma"): "patch_embed.norm.weight",  # Swin
    ("stem_norm", "beta"): "patch_embed.norm.bias",
}


def _vit_key(layer: str, sub, variable: str):
    if (layer, variable) in _STEM_KEYS:
        return _STEM_KEYS[layer, variable]
    match = re.fullmatch(r"block(\d+)_\w+", layer)
    return _block_key(f"blocks.{int(match.group(1)) - 1}", layer, sub, variable) if match else None


def _swin_key(layer: str, sub, variable: str):
    if (layer, variable) in _STEM_KEYS:
        return _STEM_KEYS[layer, variable]
    match = re.fullmatch(r"merge(\d)_(norm|reduction)", layer)
    if match:
        return f"layers.{match.group(1)}.downsample.{match.group(2)}.{_FIELDS.get(variable)}"
    match = re.fullmatch(r"block(\d+)_\w+", layer)
    if not match:
        return None
    index, starts = int(match.group(1)) - 1, np.cumsum((0, *SWIN_DEPTHS))
    stage = int(np.searchsorted(starts, index, side="right")) - 1
    return _block_key(f"layers.{stage}.blocks.{index - starts[stage]}", layer, sub, variable)


def _torch_key(layout: str, path: str, row=None) -> str:
    """The checkpoint key that fills the Keras variable ``path`` (``row``: a token row)."""
    parts = path.split("/")
    variable, sub = parts[-1], None
    layer = parts[-2] if len(parts) > 1 else ""
    if len(parts) > 2 and parts[-2] in _ATTENTION_PARTS:
        sub, layer = parts[-2], parts[-3]
    if layer == "stem_class_tokens":
        return ("cls_token", "dist_token")[row or 0]
    if layout == "swin_t":
        key = _swin_key(layer, sub, variable)
    elif layout in TRANSFORMER_ARCHITECTURES:
        key = _vit_key(layer, sub, variable)
    elif layout == "alexnet":
        key = _alexnet_key(layer, sub, variable)
    else:
        key = _resnet_key(layer, sub, variable)
    return key or f"(no torch name: Keras variable {path})"


def expected_tensors(model, architecture: str) -> list[str]:
    """The checkpoint keys ``model`` takes from an ``architecture`` checkpoint (classifier
    heads and buffers aside), in the order of its variables."""
    layout = checkpoint_layout(architecture)
    keys = []
    for variable in model.weights:
        rows = range(variable.shape[1]) if _is_token_table(variable) else [None]
        keys.extend(_torch_key(layout, variable.path, row) for row in rows)
    return list(dict.fromkeys(keys))


def _is_token_table(variable) -> bool:
    return variable.path.split("/")[-2:] == ["stem_class_tokens", "tokens"]


def _missing_tensors(model, layout: str, assigned: dict) -> list[str]:
    """Torch keys of the Keras variables (or token rows) that got no tensor."""
    keys = []
    for variable in model.weights:
        rows = assigned.get(id(variable), set())
        if _is_token_table(variable):
            wanted = [row for row in range(variable.shape[1]) if row not in rows]
        else:
            wanted = [] if rows else [None]
        keys.extend(_torch_key(layout, variable.path, row) for row in wanted)
    return list(dict.fromkeys(keys))


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
    if tag.startswith("merge_"):
        if tag == "merge_kernel":  # (2C, 4C) -> (4C, 2C), input rows in tfdefect's order
            value = value.T
        quarter = value.shape[0] // 4
        value = value.reshape(4, quarter, *value.shape[1:])[list(MERGE_ORDER)]
        value = value.reshape(4 * quarter, *value.shape[2:])
        variable = {"merge_gamma": "gamma", "merge_beta": "beta", "merge_kernel": "kernel"}[tag]
        return [(getattr(layer, variable), value, None)]
    variable = getattr(layer, tag, None)
    return [(variable, value, None)] if variable is not None else []


# === fitting a checkpoint tensor to another image size ===
def _adapted(layer, tag: str, key: str, value: np.ndarray, where: str):
    """(value, note): a Swin bias table cropped to a window tfdefect shrank on a small map,
    or a ViT / DeiT position table resampled to another patch grid; note (None when the
    tensor is unchanged) says from which shape to which and how, for the report."""
    if tag == "bias_table":
        return _cropped_bias_table(layer, key, value, where)
    if tag == "embedding" and value.shape != tuple(layer.embedding.shape):
        return _resampled_positions(layer, value)
    return value, None


def _cropped_bias_table(layer, key: str, value: np.ndarray, where: str):
    """A ((2W-1)^2, heads) table of swin_t's window W = 7, cropped to its centre
    ((2w-1)^2 rows) for a layer whose window shrank to w. A table of another window (a
    window-8 checkpoint: 225 rows) is refused: no window but 7 is swin_t's."""
    rows, side = len(value), int(round(np.sqrt(len(value))))
    window = (side + 1) // 2
    if side * side != rows or side % 2 == 0 or window != SWIN_T_WINDOW or layer.window > window:
        found = f"a window-{window} table" if side * side == rows and side % 2 else "no window"
        raise CheckpointError(
            f"{where}: {key} has {rows} rows ({found}), but swin_t has window {SWIN_T_WINDOW} "
            f"({(2 * SWIN_T_WINDOW - 1) ** 2} rows): convert a window-{SWIN_T_WINDOW} Swin-T "
            "checkpoint (timm swin_tiny_patch4_window7_224); a table of another window is "
            "never cropped or stretched"
        )
    if layer.window == window:
        return value, None
    target, start = 2 * layer.window - 1, (side - 2 * layer.window + 1) // 2
    table = value.reshape(side, side, -1)[start : start + target, start : start + target]
    cropped = table.reshape(target * target, -1)
    height, width = layer.map_shape[:2]
    return cropped, {
        "from": list(value.shape),
        "to": list(cropped.shape),
        "how": f"centre crop, window {window} -> {layer.window} (tfdefect's smaller window "
        f"on a {height}x{width}-token map at this image size)",
    }


def _resampled_positions(layer, value: np.ndarray):
    """A (1, prefix + h*w, D) position table resampled to the layer's patch grid as timm's
    ``resample_abs_pos_embed`` does; unchanged (the shape check names it) if no grid fits."""
    from tfdefect.backbones.position_resampling import resample_position_table

    target = layer.embedding.shape[1]
    for prefix in (1, 2):  # class token, or class + distillation tokens
        side, grid = np.sqrt(value.shape[1] - prefix), np.sqrt(target - prefix)
        if side == int(side) and grid == int(grid):
            resampled = resample_position_table(value, prefix, (int(grid), int(grid)))
            return resampled, {
                "from": list(value.shape),
                "to": list(resampled.shape),
                "how": f"resampled {int(side)}x{int(side)} -> {int(grid)}x{int(grid)} patches "
                "(antialiased bicubic, as timm's resample_abs_pos_embed)",
            }
    return value, None


def _check_tokens(layers: dict, tensors: dict, where: str) -> None:
    """Refuse a DeiT checkpoint whose distillation token the model lacks, or the reverse,
    naming the model name that fits."""
    tokens = layers.get("stem_class_tokens")
    if tokens is None or "cls_token" not in tensors:
        return
    if tensors["cls_token"].shape[-1] != tokens.tokens.shape[-1]:
        return  # another width: the shape check names it
    distilled = "dist_token" in tensors
    if distilled == (tokens.count == 2):
        return
    if distilled:
        raise CheckpointError(
            f"{where}: the checkpoint has a distillation token (dist_token: a distilled "
            "DeiT), the model has none: use the name 'deit' (convert-weights --architecture "
            "deit, ImageClassifier(backbone='deit'))"
        )
    raise CheckpointError(
        f"{where}: the checkpoint has no distillation token (timm deit_small_patch16_224), "
        "the model has one (the zoo's 'deit' is the distilled DeiT): use the name "
        "'deit_undistilled' (convert-weights --architecture deit_undistilled, "
        "ImageClassifier(backbone='deit_undistilled'))"
    )


def _assign(pieces, key: str, shape, target: str, where: str, assigned: dict) -> None:
    """Assign one checkpoint tensor's pieces, shape-checked; record them in ``assigned``."""
    for variable, value, index in pieces:
        expected = tuple(variable.shape) if index is None else tuple(variable.shape[2:])
        if tuple(value.shape) != expected:
            raise CheckpointError(
                f"{where}: {key} has shape {tuple(shape)}, which does not fit {target} "
                f"{expected} (another architecture or image size, or a different input "
                "channel count: ImageNet weights take 3 channels)"
            )
        if index is None:
            variable.assign(value)
        else:  # one row of a token table
            table = np.array(variable.numpy())
            table[0, index] = value.reshape(-1)
            variable.assign(table)
        assigned.setdefault(id(variable), set()).add(index)


def _some(keys: list[str]) -> str:
    return ", ".join(keys[:5]) + (f", ... ({len(keys)} in all)" if len(keys) > 5 else "")


def _check_complete(name: str, unknown: list, missing: list, where: str) -> None:
    """One line naming, by their torch keys, the tensors that are missing or left over."""
    problems = []
    if missing:
        problems.append(f"{len(missing)} tensors missing: {_some(missing)}")
    if unknown:
        problems.append(f"{len(unknown)} tensors match no layer of {name}: {_some(unknown)}")
    if problems:
        layout = MODEL_NAMES[name]
        kind = name if layout == name else f"{name} ({layout})"
        raise CheckpointError(f"{where}: not a complete {kind} checkpoint; " + "; ".join(problems))


def assign_torch_checkpoint(model, tensors: dict, architecture: str, source: str = "") -> dict:
    """Assign ``tensors`` ({torch name: array}) to ``model``'s variables.

    Args:
        architecture: a model name of ``MODEL_NAMES``, an alias or a checkpoint layout.

    Returns: the report {"architecture" (the model name), "checkpoint_layout",
    "checkpoint", "assigned" (Keras variables given a value), "assigned_tensors"
    (checkpoint tensors used: a fused qkv fills three variables, two token tensors one
    table), "ignored" {name: reason}, "resampled" {name: {"from", "to", "how"}} (tensors
    fitted to another image size), "keras_variables"}.

    Raises:
        CheckpointError (one line, naming the file and torch keys): tensors missing or left
            over, a shape mismatch, a Swin table of another window, a DeiT distillation
            token the model does not have (or lacks).
    """
    name = model_name(architecture)
    layout, where = MODEL_NAMES[name], source or "checkpoint"
    target_of = _target(layout)
    layers = {layer.name: layer for layer in model._flatten_layers(include_self=False)}
    _check_tokens(layers, tensors, where)
    assigned, ignored, unknown, resampled, used = {}, {}, [], {}, 0
    for key in sorted(tensors):
        target, reason = target_of(key)
        if target is None:
            ignored[key] = reason
            continue
        layer_name, tag = target
        layer = layers.get(layer_name)
        if not (layer and tag):
            unknown.append(key)
            continue
        value, note = _adapted(layer, tag, key, np.asarray(tensors[key], np.float32), where)
        pieces = _pieces(layer, tag, value)
        if not pieces:
            unknown.append(key)
            continue
        _assign(pieces, key, tensors[key].shape, f"{layer_name}.{tag}", where, assigned)
        if note:
            resampled[key] = note
        used += 1
    _check_complete(name, unknown, _missing_tensors(model, layout, assigned), where)
    return {
        "architecture": name,
        "checkpoint_layout": layout,
        "checkpoint": source,
        "assigned": len(assigned),
        "assigned_tensors": used,
        "ignored": ignored,
        "resampled": resampled,
        "keras_variables": len(model.weights),
    }
