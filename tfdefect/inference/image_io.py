"""Reading the image files users bring, as (H, W, C) uint8 for a model of C channels."""

from __future__ import annotations

import logging
import os
import warnings

import cv2
import numpy as np

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".npy")

logger = logging.getLogger(__name__)


# the largest image read, in pixels (Pillow's own decompression-bomb limit)
MAX_IMAGE_PIXELS = 2 * 89_478_485

# the formats whose truncation OpenCV hides: JPEG and PNG, by their first bytes
_CHECKED_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")


class ImageReadError(ValueError):
    """A file that is missing, unreadable or of the wrong layout; the message names it."""


def check_whole_image(path: str) -> None:
    """Refuse a JPEG or PNG file that does not decode whole.

    OpenCV returns the decoded part of a truncated JPEG or PNG (libjpeg's warning on
    stderr is its only trace), so such files are read once more with Pillow, which raises
    on a truncated or damaged stream: a PNG's chunks are checked (CRCs, up to IEND), a
    JPEG is decoded at 1/8 scale. Other formats are left to OpenCV.

    Raises:
        ImageReadError: truncated or damaged data, or more than ``MAX_IMAGE_PIXELS``.
    """
    from PIL import Image

    with open(path, "rb") as handle:
        if not handle.read(8).startswith(_CHECKED_SIGNATURES):
            return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            with Image.open(path) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise ImageReadError(
                        f"{path}: {width}x{height} px is more than the {MAX_IMAGE_PIXELS} "
                        "pixels tfdefect reads"
                    )
                if image.format == "PNG":
                    image.verify()  # every chunk's CRC through IEND, no pixels decoded
                else:  # JPEG: the whole stream decoded at 1/8 scale (DCT scaling)
                    image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
                    image.load()
        except ImageReadError:
            raise
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as error:
            raise ImageReadError(f"{path}: damaged or truncated image ({error})") from None


def _deep_message(path: str, what: str) -> str:
    return (
        f"{path}: {what}: tfdefect models take 8-bit pixels; scale the image to 0..255 "
        "for your sensor's range first"
    )


def read_image(path: str, channels: int, channel_names=None) -> np.ndarray:
    """Read ``path`` as (H, W, ``channels``) uint8.

    ``.npy`` files hold the array directly. Image files: 3-channel models get RGB (grey
    files are repeated), 1-channel models grey; other channel counts read the
    ``serving_bytes`` mosaic (one grey image, the C channels side by side). A model whose
    metadata names its channels (``channel_names``, e.g. a chips Mask R-CNN's height,
    intensity, pattern, ...) also reads a chip folder: ``<name>.png`` per channel, one
    grey image each (``is_chip_folder``).

    One rule for every model: pixels are 8-bit. A 16-bit (or float) image or array is
    refused, never cut to 8 bits, since only its owner knows the sensor's range. A file
    that does not decode whole (a truncated JPEG or PNG) is refused, not predicted.

    Raises:
        ImageReadError: naming the file and what is wrong.
    """
    if os.path.isdir(path):
        if not channel_names:
            raise ImageReadError(f"{path}: a folder, not an image (this model names no channels)")
        return _read_chip_folder(path, list(channel_names)[:channels])
    if not os.path.isfile(path):
        raise ImageReadError(f"{path}: no such file")
    if os.path.getsize(path) == 0:
        raise ImageReadError(f"{path}: empty file")
    if path.lower().endswith(".npy"):
        image = _read_npy(path)
        if image.dtype != np.uint8 and image.dtype.itemsize > 1:
            raise ImageReadError(_deep_message(path, f"an array of {image.dtype}"))
    else:
        check_whole_image(path)
        # the file's own depth and colours (EXIF orientation applied; alpha dropped)
        image = cv2.imread(path, cv2.IMREAD_ANYDEPTH | cv2.IMREAD_ANYCOLOR)
        if image is None:
            raise ImageReadError(f"{path}: not a readable image")
        if image.dtype != np.uint8:
            raise ImageReadError(_deep_message(path, f"{image.dtype} pixels"))
        if channels in (1, 3):
            image = _convert_colours(image, channels)
        else:
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
    if 0 in image.shape:
        raise ImageReadError(f"{path}: empty image of shape {image.shape}")
    return image


def is_chip_folder(folder: str, channel_names) -> bool:
    """Whether ``folder`` holds ``<name>.png`` for every one of ``channel_names``."""
    return bool(channel_names) and all(
        os.path.isfile(os.path.join(folder, f"{name}.png")) for name in channel_names
    )


def _read_chip_folder(folder: str, channel_names: list) -> np.ndarray:
    """(H, W, len(channel_names)) uint8 from a chip folder's grey ``<name>.png`` files."""
    planes = []
    for name in channel_names:
        path = os.path.join(folder, f"{name}.png")
        if not os.path.isfile(path):
            raise ImageReadError(
                f"{folder}: a chip folder needs {', '.join(n + '.png' for n in channel_names)}; "
                f"{name}.png is missing"
            )
        check_whole_image(path)
        plane = cv2.imread(path, cv2.IMREAD_ANYDEPTH | cv2.IMREAD_ANYCOLOR)
        if plane is None or plane.ndim != 2 or plane.dtype != np.uint8:
            what = "not a readable image" if plane is None else f"{plane.dtype} {plane.shape}"
            raise ImageReadError(f"{path}: a chip channel is one 8-bit grey image, got {what}")
        if planes and plane.shape != planes[0].shape:
            raise ImageReadError(
                f"{path}: {plane.shape[1]}x{plane.shape[0]} px, the chip's "
                f"{channel_names[0]}.png is {planes[0].shape[1]}x{planes[0].shape[0]}"
            )
        planes.append(plane)
    return np.stack(planes, axis=-1)


def _read_npy(path: str) -> np.ndarray:
    """The array of a ``.npy`` file, its header checked before anything is allocated."""
    try:
        with open(path, "rb") as handle:
            version = np.lib.format.read_magic(handle)
            read_header = (
                np.lib.format.read_array_header_1_0
                if version == (1, 0)
                else np.lib.format.read_array_header_2_0
            )
            shape = read_header(handle)[0]
        pixels = shape[0] * shape[1] if len(shape) >= 2 else int(np.prod(shape))
        if pixels > MAX_IMAGE_PIXELS or np.prod(shape, dtype=np.float64) > 16 * MAX_IMAGE_PIXELS:
            raise ImageReadError(
                f"{path}: an array of shape {shape} is more than the {MAX_IMAGE_PIXELS} "
                "pixels tfdefect reads"
            )
        return np.load(path, allow_pickle=False)
    except ImageReadError:
        raise
    except (ValueError, OSError, EOFError, MemoryError) as error:
        raise ImageReadError(f"{path}: not a readable .npy array ({error})") from None


def _convert_colours(image: np.ndarray, channels: int) -> np.ndarray:
    """OpenCV's grey or BGR image as grey (1 channel) or RGB (3 channels)."""
    grey = image.ndim == 2 or image.shape[-1] == 1
    if channels == 1:
        return image if grey else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    if grey:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB, dst=image)  # in place: no second copy


def _images_below(folder: str, skipped: list[str], channel_names=()) -> list[str]:
    """Image files under ``folder``, following links to folders (each real folder read once,
    so a link loop ends), leaving out the real folders in ``skipped``; a chip folder (see
    ``is_chip_folder``) is one input and is not searched."""
    seen, found = set(), []
    for root, folders, names in os.walk(folder, followlinks=True):
        real = os.path.realpath(root)
        if real in seen or any(real == s or real.startswith(s + os.sep) for s in skipped):
            folders[:] = []
            continue
        seen.add(real)
        if is_chip_folder(root, channel_names):
            found.append(root)
            folders[:] = []
            continue
        present = [n for n in channel_names if f"{n}.png" in names]
        if len(present) > 1:
            missing = [f"{n}.png" for n in channel_names if n not in present]
            logger.warning(
                f"{root}: not a chip folder ({', '.join(missing)} missing); its images are "
                "read one by one"
            )
        found += [os.path.join(root, n) for n in names if n.lower().endswith(IMAGE_EXTENSIONS)]
    return found


def list_image_files(inputs, exclude=(), channel_names=()) -> list[tuple[str, str]]:
    """(path, name) of every image given: files as given, folders searched recursively
    (links to folders followed, each real folder once; folders in ``exclude``, such as the
    results folder of the run, left out). With ``channel_names`` (a model that names its
    channels), a folder holding ``<name>.png`` for each of them is one chip input, its
    name the folder's.

    ``name`` is the path relative to the folder it was found in (a file given directly:
    its base name), so two inputs ``a/x.png`` and ``b/x.png`` keep distinct names when
    found under distinct folders; clashing names get the folder's name in front.

    Raises:
        FileNotFoundError: an input that does not exist. ValueError: a folder with no images.
    """
    found = []
    skipped = [os.path.realpath(folder) for folder in exclude]
    channel_names = list(channel_names or ())
    for item in inputs:
        if os.path.isdir(item) and is_chip_folder(item, channel_names):
            name = os.path.basename(os.path.normpath(item))
            parent = os.path.basename(os.path.dirname(os.path.abspath(item)))
            found.append((item, name, parent))
        elif os.path.isdir(item):
            matches = sorted(_images_below(item, skipped, channel_names))
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
