"""``prepare_builder`` / ``prepare_dataset``: one way from settings to a prepared TFDS builder.

The prepared data is found again by a config name that carries a key of everything it was
made from: every field of the builder config (nested settings too), the builder's
VERSION and, for manual data, a fingerprint of the manual folder (relative paths, sizes,
modification times). Changing any setting, or pointing at another or changed folder,
builds anew; the same inputs reuse what was built.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import tempfile

# BuilderConfig bookkeeping fields that do not change the data
_NOT_DATA = {"name", "version", "release_notes", "supported_versions", "description", "tags"}


def manual_fingerprint(folder: str) -> list:
    """(relative path, size, mtime in ns) of every file under ``folder``, sorted."""
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"manual data folder {folder}: no such folder")
    entries = []
    for root, _, names in os.walk(folder):
        for name in names:
            path = os.path.join(root, name)
            stat = os.stat(path)
            entries.append([os.path.relpath(path, folder), stat.st_size, stat.st_mtime_ns])
    if not entries:
        raise ValueError(f"manual data folder {folder}: empty")
    return sorted(entries)


def config_key(builder_cls, config, manual_dir: str | None = None) -> str:
    """The 10-hex-digit key of ``config`` (a dataclass BuilderConfig) for ``builder_cls``."""
    fields = {
        f.name: getattr(config, f.name)
        for f in dataclasses.fields(config)
        if f.name not in _NOT_DATA
    }
    document = {
        "builder": builder_cls.name,
        "version": str(builder_cls.VERSION),
        "config": json.loads(json.dumps(fields, default=_plain, sort_keys=True)),
    }
    if getattr(config, "manual", False):
        if not manual_dir:
            raise ValueError(f"{builder_cls.name}: a manual config needs a manual_dir")
        document["manual"] = manual_fingerprint(manual_dir)
    text = json.dumps(document, sort_keys=True)
    return hashlib.sha1(text.encode()).hexdigest()[:10]


def _plain(value):
    if dataclasses.is_dataclass(value):
        return dataclasses.asdict(value)
    if isinstance(value, (tuple, set)):
        return list(value)
    return str(value)


def prepare_builder(
    builder_cls, config, data_dir: str, manual_dir: str | None = None, rebuild: bool = False
):
    """A prepared ``builder_cls`` for ``config``, keyed as the module docstring says.

    Args:
        builder_cls: a TFDS builder class of ``tfdefect.datasets``.
        config: its BuilderConfig; its ``name`` is the prefix of the keyed name.
        data_dir: TFDS data folder.
        manual_dir: the real data folder (manual configs; missing: an error).
        rebuild: build again even if prepared data with this key exists. The new data is
            built in a temporary folder inside ``data_dir`` and replaces the prepared
            data only once complete: a failed rebuild keeps what was there.
    """
    key = config_key(builder_cls, config, manual_dir)
    keyed = dataclasses.replace(config, name=f"{config.name}_{key}")
    data_dir = os.path.expanduser(data_dir)
    manual_dir = os.path.expanduser(manual_dir) if manual_dir else None
    builder = builder_cls(config=keyed, data_dir=data_dir)
    if rebuild and _is_prepared(builder):
        _rebuild_beside(builder_cls, keyed, data_dir, manual_dir, str(builder.data_path))
        return builder_cls(config=keyed, data_dir=data_dir)
    _download_and_prepare(builder, manual_dir)
    return builder


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
    whole config, the builder version and the manual folder's fingerprint (module
    docstring). ``config_name``: the keyed name's prefix (default ``manual`` or
    ``synthetic``)."""
    from tfdefect.datasets.tfds_builders import builder_module

    module = builder_module(name)
    config_class = type(module.Builder.BUILDER_CONFIGS[0])
    base = config_name or ("manual" if manual_dir else "synthetic")
    config = config_class(name=base, manual=bool(manual_dir), **settings)
    return prepare_builder(module.Builder, config, data_dir, manual_dir, rebuild)


def _is_prepared(builder) -> bool:
    return os.path.isfile(os.path.join(str(builder.data_path), "dataset_info.json"))


def _download_and_prepare(builder, manual_dir: str | None) -> None:
    """Build ``builder``'s files; TFDS's own lines on stdout only while the ``tfdefect``
    logger shows INFO (TFDS prints them whatever its logging level)."""
    import contextlib
    import io

    import tensorflow_datasets as tfds

    from tfdefect.console import shows_progress

    chatter = (
        contextlib.nullcontext() if shows_progress() else contextlib.redirect_stdout(io.StringIO())
    )
    mode = tfds.download.GenerateMode.REUSE_DATASET_IF_EXISTS
    with chatter:
        builder.download_and_prepare(
            download_config=tfds.download.DownloadConfig(manual_dir=manual_dir, download_mode=mode)
        )


def _rebuild_beside(builder_cls, config, data_dir: str, manual_dir, prepared_path: str) -> None:
    """Build ``config`` into a temporary data folder inside ``data_dir``, then put it in
    place of ``prepared_path`` (the old version folder renamed aside, the new one renamed
    in, the old one deleted). The temporary folder never outlives the call."""
    os.makedirs(data_dir, exist_ok=True)
    temp = tempfile.mkdtemp(dir=data_dir, prefix=f".tmp-rebuild-{os.getpid()}-")
    try:
        fresh = builder_cls(config=config, data_dir=temp)
        _download_and_prepare(fresh, manual_dir)
        aside = os.path.join(temp, "previous")
        os.rename(prepared_path, aside)
        try:
            os.rename(str(fresh.data_path), prepared_path)
        except OSError:
            os.rename(aside, prepared_path)
            raise
    finally:
        shutil.rmtree(temp, ignore_errors=True)
