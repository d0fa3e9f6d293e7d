"""Atomic file and folder publication, so a reader never sees half an artefact."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile

_TEMP_PREFIXES = (".tmp-", ".old-")


def atomic_write_text(path: str, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=os.path.basename(path))
    try:
        with os.fdopen(handle, "w") as stream:
            stream.write(text)
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.remove(temp)
        raise


def atomic_write_file(path: str, write, suffix: str = "") -> str:
    """Call ``write(temp_path)`` for a temporary file beside ``path`` (named with
    ``suffix``, for writers that insist on one, e.g. Keras' ``.weights.h5``), then rename it
    to ``path``; a failed write leaves nothing behind. Returns ``path``."""
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=suffix)
    os.close(handle)
    try:
        write(temp)
        os.replace(temp, path)
    finally:
        if os.path.exists(temp):
            os.remove(temp)
    return path


def make_temp_dir(folder: str, version) -> str:
    """A hidden temporary folder in ``folder`` named after the version and this process
    (``.tmp-<version>-<pid>-...``), so a later run can tell a dead writer's leftovers."""
    return tempfile.mkdtemp(dir=folder, prefix=f".tmp-{version}-{os.getpid()}-")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temp_dirs(folder: str, prefixes: tuple[str, ...] = _TEMP_PREFIXES) -> list[str]:
    """Delete temporary folders and files (names starting with one of ``prefixes``) left
    in ``folder`` by writers that died (killed during an export); those of live processes
    stay. Returns the removed names."""
    removed = []
    if not os.path.isdir(folder):
        return removed
    for name in os.listdir(folder):
        if not name.startswith(prefixes):
            continue
        # .tmp-<version>-<pid>-<random>: the version may hold "-" (epoch-000012), the
        # random part of mkdtemp never does, so the pid is the second field from the end
        parts = name.split("-")
        pid = int(parts[-2]) if len(parts) > 3 and parts[-2].isdigit() else None
        if pid is not None and (pid == os.getpid() or _pid_alive(pid)):
            continue
        path = os.path.join(folder, name)
        if os.path.isdir(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            os.remove(path)
        removed.append(name)
    return removed


def publish_version(
    base_path: str, version: int | str, write, overwrite: bool, retarget=None
) -> str:
    """Write ``<base_path>/<version>`` through ``write(temp_dir)`` into a hidden temporary
    folder and publish it by rename (see :func:`publish_directory`); the temporary folder
    never outlives a failure. Returns the version folder.

    When another writer publishes the same version first (without ``overwrite``),
    ``retarget(temp_dir)`` is called, when given, to relabel the finished folder and return
    the version to publish it as instead (the next free one), so a lost race costs a
    rename, not the whole export."""
    temp_dir = make_temp_dir(base_path, version)
    try:
        write(temp_dir)
        while True:
            final_dir = os.path.join(base_path, str(version))
            try:
                publish_directory(temp_dir, final_dir, overwrite)
                break
            except FileExistsError:
                if overwrite or retarget is None:
                    raise
                version = retarget(temp_dir)
    finally:
        if os.path.exists(temp_dir):
            shutil.rmtree(temp_dir, ignore_errors=True)
    return final_dir


def publish_directory(temp_dir: str, final_dir: str, overwrite: bool) -> None:
    """Move a finished ``temp_dir`` to ``final_dir`` (same filesystem) by rename.

    An existing ``final_dir`` is an error (FileExistsError) unless ``overwrite``; then it
    is renamed aside first and deleted after the new folder is in place, so ``final_dir``
    is always either the complete old or the complete new folder (or, for an instant,
    absent).
    """
    for root, _, files in os.walk(temp_dir):  # a model server may run as another user
        os.chmod(root, 0o755)
        for name in files:
            os.chmod(os.path.join(root, name), 0o644)
    if os.path.exists(final_dir):
        if not overwrite:
            raise FileExistsError(
                f"{final_dir} already exists; pass overwrite=True or a new version number"
            )
        aside = tempfile.mkdtemp(
            dir=os.path.dirname(final_dir),
            prefix=f".old-{os.path.basename(final_dir)}-{os.getpid()}-",
        )
        os.rename(final_dir, os.path.join(aside, "previous"))
        os.rename(temp_dir, final_dir)
        shutil.rmtree(aside, ignore_errors=True)
        return
    try:
        os.rename(temp_dir, final_dir)
    except OSError as error:  # made by another writer since the check above
        if error.errno in (errno.EEXIST, errno.ENOTEMPTY):
            raise FileExistsError(f"{final_dir} was published by another writer") from None
        raise
