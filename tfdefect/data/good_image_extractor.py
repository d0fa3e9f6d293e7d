"""Build an MVTec-format ``train/good`` tree from a folder tree of good images."""

from __future__ import annotations

import os
import shutil

from tfdefect.data.mvtec_folder import IMAGE_EXTENSIONS

FOLDER_SEPARATOR = "__"


def extract_good_images(source: str, destination: str, extensions=IMAGE_EXTENSIONS) -> dict:
    """Copy every image under ``source`` (subfolders too) flat into ``destination``.

    ``destination`` is typically ``<root>/<category>/train/good``, which the pcb_anomaly
    builder reads flat (as MVTec AD has it), so ``a/b/c.png`` becomes ``a__b__c.png``:
    unique names, nothing the builder would skip. Existing files are never overwritten:
    they are skipped and counted. Metadata (times) is preserved.

    Returns: {"copied": n, "skipped_existing": [flat names]}.
    Raises: FileNotFoundError (no source folder), ValueError (no image in it).
    """
    if not os.path.isdir(source):
        raise FileNotFoundError(f"{source}: no such folder")
    found = sorted(
        os.path.relpath(os.path.join(root, name), source)
        for root, _, names in os.walk(source)
        for name in names
        if name.lower().endswith(tuple(extensions))
    )
    if not found:
        raise ValueError(f"{source}: no images with extensions {', '.join(extensions)}")
    copied, skipped = 0, []
    os.makedirs(destination, exist_ok=True)
    for relative in found:
        flat = relative.replace(os.sep, FOLDER_SEPARATOR)
        target = os.path.join(destination, flat)
        if os.path.exists(target):
            skipped.append(flat)
            continue
        shutil.copy2(os.path.join(source, relative), target)
        copied += 1
    return {"copied": copied, "skipped_existing": skipped}
