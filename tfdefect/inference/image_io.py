"""Reading the image files users bring, as (H, W, C) uint8 for a model of C channels."""

from __future__ import annotations

import os

import cv2
import numpy as np

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".npy")


class ImageReadError(ValueError):
    """A file that is missing, unreadable or of the wrong layout; the message names it."""


def read_image(path: str, channels: int) -> np.ndarray:
    """Read ``path`` as (H, W, ``channels``) uint8.

    ``.npy`` files hold the array directly. Image files: 3-channel models get RGB (grey
    files are repeated), 1-channel models grey; other channel counts read the
    ``serving_bytes`` mosaic (one grey image, the C channels side by side).

    Raises:
        ImageReadError: naming the file and what is wrong.
    """
    if not os.path.isfile(path):
        raise ImageReadError(f"{path}: no such file")
    if path.lower().endswith(".npy"):
        try:
            image = np.load(path, allow_pickle=False)
        except (ValueError, OSError) as error:
            raise ImageReadError(f"{path}: not a readable .npy array ({error})") from error
    else:
        flag = {1: cv2.IMREAD_GRAYSCALE, 3: cv2.IMREAD_COLOR}.get(channels, cv2.IMREAD_UNCHANGED)
        image = cv2.imread(path, flag)
        if image is None:
            raise ImageReadError(f"{path}: not a readable image")
        if channels == 3:
            image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        elif channels != 1:
            if image.ndim == 3:
                raise ImageReadError(
                    f"{path}: a {channels}-channel model reads a grey mosaic of the channels "
                    f"side by side (or a .npy array), not a colour image"
                )
            if image.shape[1] % channels:
                raise ImageReadError(
                    f"{path}: grey mosaic width {image.shape[1]} is not a multiple of "
                    f"{channels} channels"
                )
            image = np.stack(np.split(image, channels, axis=1), axis=-1)
    if image.ndim == 2:
        image = image[..., None]
    if image.ndim != 3:
        raise ImageReadError(f"{path}: expected an (H, W, C) image, got shape {image.shape}")
    if image.shape[-1] != channels:
        raise ImageReadError(
            f"{path}: image has {image.shape[-1]} channels, the model expects {channels}"
        )
    if image.dtype != np.uint8:
        raise ImageReadError(f"{path}: expected uint8 pixels, got {image.dtype}")
    return image


def list_image_files(inputs) -> list[tuple[str, str]]:
    """(path, name) of every image given: files as given, folders searched recursively.

    ``name`` is the path relative to the folder it was found in (a file given directly:
    its base name), so two inputs ``a/x.png`` and ``b/x.png`` keep distinct names when
    found under distinct folders; clashing names get the folder's name in front.

    Raises:
        FileNotFoundError: an input that does not exist. ValueError: a folder with no images.
    """
    found = []
    for item in inputs:
        if os.path.isdir(item):
            matches = sorted(
                os.path.join(root, name)
                for root, _, names in os.walk(item)
                for name in names
                if name.lower().endswith(IMAGE_EXTENSIONS)
            )
            if not matches:
                raise ValueError(f"{item}: folder holds no images ({', '.join(IMAGE_EXTENSIONS)})")
            root_name = os.path.basename(os.path.normpath(item))
            found += [(path, os.path.relpath(path, item), root_name) for path in matches]
        elif os.path.isfile(item):
            parent = os.path.basename(os.path.dirname(os.path.abspath(item)))
            found.append((item, os.path.basename(item), parent))
        else:
            raise FileNotFoundError(f"{item}: no such file or folder")
    counts: dict[str, int] = {}
    for _, name, _ in found:
        counts[name] = counts.get(name, 0) + 1
    named, used = [], set()
    for path, name, root_name in found:
        unique = os.path.join(root_name, name) if counts[name] > 1 else name
        base, suffix = unique, 1
        while unique in used:  # the same file given twice, or clashing roots
            suffix += 1
            unique = f"{base}~{suffix}"
        used.add(unique)
        named.append((path, unique))
    return named


def display_image(image: np.ndarray, channel: int | None = None) -> np.ndarray:
    """(H, W, 3) uint8 RGB to show a model input: the grey ``channel`` when given (a
    model's metadata names one for multi-channel chips), else RGB as is, grey repeated,
    or channel 0 of other channel counts."""
    if channel is None and image.shape[-1] == 3:
        return image
    picked = image[..., min(channel or 0, image.shape[-1] - 1)]
    return np.repeat(picked[..., None], 3, axis=-1)
