"""Atomic file and folder publication, so a reader never sees half an artefact."""

from __future__ import annotations

import os
import shutil
import tempfile


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


def publish_directory(temp_dir: str, final_dir: str, overwrite: bool) -> None:
    """Move a finished ``temp_dir`` to ``final_dir`` (same filesystem) by rename.

    An existing ``final_dir`` is an error unless ``overwrite``; then it is renamed aside
    first and deleted after the new folder is in place, so ``final_dir`` is always either
    the complete old or the complete new folder (or, for an instant, absent).
    """
    os.chmod(temp_dir, 0o755)  # mkdtemp makes 0700; a model server may run as another user
    if os.path.exists(final_dir):
        if not overwrite:
            raise FileExistsError(
                f"{final_dir} already exists; pass overwrite=True or a new version number"
            )
        aside = tempfile.mkdtemp(dir=os.path.dirname(final_dir), prefix=".old-")
        os.rename(final_dir, os.path.join(aside, "previous"))
        os.rename(temp_dir, final_dir)
        shutil.rmtree(aside, ignore_errors=True)
    else:
        os.rename(temp_dir, final_dir)
