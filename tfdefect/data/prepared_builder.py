"""Prepare one of the library's datasets by name from a settings dict."""

from __future__ import annotations

from tfdefect.data.tfds_builders import builder_module
from tfdefect.datasets.prepare import prepare_builder


def prepare_dataset(
    name: str,
    settings: dict,
    data_dir: str,
    manual_dir=None,
    rebuild: bool = False,
    config_name: str | None = None,
):
    """A prepared ``tfdefect.datasets.<name>`` builder for ``settings`` (fields of its
    config): synthetic, or the ``manual`` reader of ``manual_dir`` when given. Keyed by the
    whole config, the builder version and the manual folder's fingerprint
    (``tfdefect.datasets.prepare``). ``config_name``: the keyed name's prefix (default
    ``manual`` or ``synthetic``)."""
    module = builder_module(name)
    config_class = type(module.Builder.BUILDER_CONFIGS[0])
    base = config_name or ("manual" if manual_dir else "synthetic")
    config = config_class(name=base, manual=bool(manual_dir), **settings)
    return prepare_builder(module.Builder, config, data_dir, manual_dir, rebuild)
