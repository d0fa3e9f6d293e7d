"""A tiny model registry: ``create_model(name, **kwargs)`` and ``list_models()``."""

from __future__ import annotations

from collections.abc import Callable

_REGISTRY: dict[str, Callable] = {}


def register_model(name: str):
    """Decorator that registers a model class or factory under ``name``."""

    def decorate(factory):
        if name in _REGISTRY and _REGISTRY[name] is not factory:
            raise ValueError(f"model name {name!r} is already registered")
        _REGISTRY[name] = factory
        return factory

    return decorate


def _load_builtin_models():
    # Importing the model packages runs their @register_model decorators.
    import tfdefect.models  # noqa: F401


def list_models() -> list[str]:
    """Sorted names of all registered models."""
    _load_builtin_models()
    return sorted(_REGISTRY)


def create_model(name: str, **kwargs):
    """Build the registered model ``name`` with constructor arguments ``kwargs``.

    Raises:
        KeyError: ``name`` is not registered; the message lists the valid names.
    """
    _load_builtin_models()
    if name not in _REGISTRY:
        raise KeyError(f"unknown model {name!r}; valid names: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name](**kwargs)
