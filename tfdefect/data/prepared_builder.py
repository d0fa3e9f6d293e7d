"""Prepare a repository TFDS builder: a manual folder, or synthetic data keyed by settings."""

from __future__ import annotations

import hashlib
import json
import os

from tfdefect.data.tfds_builders import builder_module


def prepare_builder(name: str, config_class: str, settings: dict, data_dir: str, manual_dir=None):
    """A prepared ``datasets/<name>`` builder.

    With ``manual_dir`` the builder's ``manual`` config reads it; otherwise a synthetic config
    named ``synthetic_<hash of settings>`` is built once and reused (different settings never
    share a cache entry).
    """
    import tensorflow_datasets as tfds

    module = builder_module(name)
    data_dir = os.path.expanduser(data_dir)
    if manual_dir:
        builder = module.Builder(config="manual", data_dir=data_dir)
        builder.download_and_prepare(
            download_config=tfds.download.DownloadConfig(manual_dir=manual_dir)
        )
        return builder
    digest = hashlib.sha1(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:10]
    config = getattr(module, config_class)(name=f"synthetic_{digest}", **settings)
    builder = module.Builder(config=config, data_dir=data_dir)
    builder.download_and_prepare()
    return builder
