"""Value rules for config fields, checked when a config is resolved (``--set``, ``--config``).

One table keyed by field name, so the same name means the same rule in every recipe and
dataset: counts and sizes are >= 1, rates positive and finite, fractions in [0, 1], noise
levels finite and >= 0, no NaN anywhere; a tuple of numbers (``unet_filters``) follows the
rule of its field name item by item. Text fields with a closed set of values (``CHOICES``,
such as ``monitor_mode``) are checked too. A broken value is refused with one line naming
the key, the value and the rule, before any data is built or any step trained
(``--set train.learning_rate=nan`` would otherwise train a NaN model and export it).
"""

from __future__ import annotations

import dataclasses
import math
import re

from tfdefect.config import ConfigError

# (field-name pattern, predicate, rule text); the first matching pattern applies
RULES = (
    (
        r"(epochs|batch_size|steps_per_epoch|image_size|crop_size|num_(train|validation|test|sites)"
        r"|boards_(train|validation|test)|parts_per_position|calibration_images|train_rois"
        r"|fpn_channels|mask_channels|embedding_dims|max_instances|pretrain_epochs"
        r"|merge_pretrain_epochs|channels|.*_size|.*_filters)",
        lambda v: v >= 1,
        "must be at least 1",
    ),
    (
        r"(early_stopping_patience|max_heatmaps|seed|near_threshold|warmup_steps|.*_warmup_epochs)",
        lambda v: v >= 0,
        "must be >= 0",
    ),
    (
        r"(learning_rate|.*_factor|sigma|alpha)",
        lambda v: math.isfinite(v) and v > 0,
        "must be a finite number > 0",
    ),
    (
        r"(.*_fraction|.*_probability|.*_threshold)",
        lambda v: 0 <= v <= 1,
        "must be between 0 and 1",
    ),
    (
        r"(noise|.*_noise|blur|.*_blur|.*_std|.*_stddev|brightness|.*_brightness|contrast"
        r"|.*_contrast|jitter|.*_jitter)",
        lambda v: math.isfinite(v) and v >= 0,
        "must be a finite number >= 0",
    ),
    (
        r"(.*_power|.*_weight|recall_strength|focal_gamma)",
        lambda v: math.isfinite(v) and v >= 0,
        "must be a finite number >= 0",
    ),
)


# text fields whose values form a closed set, the same in every config
CHOICES = {"monitor_mode": ("min", "max"), "lr_decay": ("constant", "cosine")}


def rule_for(field_name: str):
    """(predicate, rule text) of ``field_name``, or None when no rule names it."""
    for pattern, predicate, text in RULES:
        if re.fullmatch(pattern, field_name):
            return predicate, text
    return None


def check_config_values(config, prefix: str = "") -> None:
    """Raise ConfigError for the first field of dataclass ``config`` (nested ones too) that
    breaks its rule (tuples: item by item) or its CHOICES, or any float that is NaN or
    infinite without a rule."""
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        key = f"{prefix}{field.name}"
        if dataclasses.is_dataclass(value):
            check_config_values(value, prefix=f"{key}.")
        elif isinstance(value, tuple):
            for index, item in enumerate(value):
                _check_number(f"{key}[{index}]", field.name, item)
        elif isinstance(value, str):
            _check_choice(key, field.name, value)
        else:
            _check_number(key, field.name, value)


def _check_number(key: str, field_name: str, value) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return
    rule = rule_for(field_name)
    if rule is not None and not rule[0](value):
        raise ConfigError(f"{key}={value}: {rule[1]}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{key}={value}: must be a finite number")


def _check_choice(key: str, field_name: str, value: str) -> None:
    choices = CHOICES.get(field_name)
    if choices is not None and value not in choices:
        raise ConfigError(f"{key}={value}: choose from {', '.join(choices)}")
