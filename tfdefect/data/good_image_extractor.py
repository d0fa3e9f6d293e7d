"""Build an MVTec-format ``train/good`` tree from a folder tree of good images."""

from __future__ import annotations

import os
import shutil

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp")


def extract_good_images(source: str, destination: str, extensions=IMAGE_EXTENSIONS) -> dict:
    """Copy every image under ``source`` to ``destination``, keeping relative paths.

    ``destination`` is typically ``<root>/<category>/train/good``. Existing files are never
    overwritten: they are skipped and counted. Metadata (times) is preserved.

    Returns: {"copied": n, "skipped_existing": [relative paths]}.
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
    for relative in found:
        target = os.path.join(destination, relative)
        if os.path.exists(target):
            skipped.append(relative)
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(os.path.join(source, relative), target)
        copied += 1
    return {"copied": copied, "skipped_existing": skipped}
