"""A tiny registry: ``create_model(name, **kwargs)`` and ``list_models()``.

Names are ``<family>_<variant>``: ``classifier_<architecture>``, ``segmenter_unet``,
``segmenter_resnet50_fpn``, ``detector_mask_rcnn``, ``anomaly_padim``, ``pair_mpb3``. The
earlier names (``unet``, ``resnet50_fpn``, ``mask_rcnn``, ``padim``, ``mpb3``) still work
for one release and warn.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

_REGISTRY: dict[str, Callable] = {}
_ALIASES: dict[str, str] = {}


def register_model(name: str, aliases: tuple[str, ...] = ()):
    """Decorator that registers a model class or factory under ``name`` (and deprecated
    ``aliases``)."""

    def decorate(factory):
        if name in _REGISTRY and _REGISTRY[name] is not factory:
            raise ValueError(f"model name {name!r} is already registered")
        _REGISTRY[name] = factory
        for alias in aliases:
            _ALIASES[alias] = name
        return factory

    return decorate


def _load_builtin_models():
    # Importing the model packages runs their @register_model decorators (and TensorFlow's
    # import, so this waits until a name is asked for).
    import tfdefect.models  # noqa: F401


def list_models() -> list[str]:
    """Sorted names of all registered models (without the deprecated aliases)."""
    _load_builtin_models()
    return sorted(_REGISTRY)


def create_model(name: str, **kwargs):
    """Build the registered model ``name`` with constructor arguments ``kwargs``.

    Raises:
        ValueError: ``name`` is not registered; the message lists the valid names.
    """
    _load_builtin_models()
    if name in _ALIASES:
        warnings.warn(
            f"model name {name!r} is deprecated; use {_ALIASES[name]!r}",
            DeprecationWarning,
            stacklevel=2,
        )
        name = _ALIASES[name]
    if name not in _REGISTRY:
        raise ValueError(f"unknown model {name!r}; valid names: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name](**kwargs)
