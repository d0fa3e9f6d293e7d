"""COCO instance annotations: reading a split's ``annotations.json``, writing one.

Layout of a split folder (``<manual_dir>/train`` etc.)::

    annotations.json       {"images": [{"id", "file_name", "height", "width"}],
                            "annotations": [{"id", "image_id", "category_id",
                                             "segmentation", "iscrowd"}],
                            "categories": [{"id", "name"}]}
    <file_name>            the image, read by the dataset's ``read_image(path, image_size)``
                           (chips6: a chip folder of six channel PNGs or a six-page TIFF)

``segmentation`` is polygons ``[[x1, y1, ...], ...]`` or RLE (compressed or not).
Categories are matched to the dataset's ``class_names`` by name. ``iscrowd`` regions are
kept, flagged: training leaves them out and evaluation ignores detections on them, as COCO.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import numpy as np

from tfdefect.atomic_files import atomic_write_text
from tfdefect.data.coco_masks import decode_polygons, decode_rle, encode_rle
from tfdefect.data.instance_masks import example_from_instances, mask_box
from tfdefect.json_values import is_int, json_type

COCO_FILE = "annotations.json"


class AnnotationError(ValueError):
    """An annotation file, or an image it names, is missing, unreadable or malformed; the
    message names the file and the entry."""


def load_json(path: str) -> object:
    """A JSON file's content (UTF-8, a byte order mark allowed); a missing or malformed
    file raises AnnotationError."""
    try:
        with open(path, encoding="utf-8-sig") as handle:
            return json.load(handle)
    except OSError as error:
        raise AnnotationError(f"{path}: cannot read ({error.strerror})") from None
    except UnicodeDecodeError:
        raise AnnotationError(f"{path}: not UTF-8 text") from None
    except (json.JSONDecodeError, RecursionError) as error:
        raise AnnotationError(f"{path}: not valid JSON ({error})") from None


def _entry(path: str, kind: str, index: int, entry, keys: tuple[str, ...]) -> dict:
    """``entry`` (``<kind>[index]`` of the file) checked to be an object holding ``keys``."""
    needs = " and ".join(f"'{k}'" for k in keys)
    if not isinstance(entry, dict):
        raise AnnotationError(
            f"{path}: {kind}[{index}] is {json_type(entry)}, needs an object"
            + (f" with {needs}" if keys else "")
        )
    if not all(k in entry for k in keys):
        raise AnnotationError(f"{path}: {kind}[{index}] needs {needs}")
    return entry


def _check_image(path: str, index: int, image) -> dict:
    """``images[index]`` checked: integer id, a file name, positive height / width."""
    image = _entry(path, "images", index, image, ("id", "file_name"))
    where = f"{path}: images[{index}]"
    if not is_int(image["id"]):
        raise AnnotationError(f"{where}: id {image['id']!r:.60} is not an integer")
    if not isinstance(image["file_name"], str) or not image["file_name"]:
        raise AnnotationError(f"{where}: file_name {image['file_name']!r:.60} is not a file name")
    for key in ("height", "width"):
        if key in image and not (is_int(image[key]) and image[key] > 0):
            raise AnnotationError(f"{where}: {key} {image[key]!r:.60} is not a whole number > 0")
    return image


def _index_images(path: str, entries: list) -> dict:
    """Image entries by id (ids unique)."""
    images = {}
    for index, entry in enumerate(entries):
        image = _check_image(path, index, entry)
        if image["id"] in images:
            raise AnnotationError(f"{path}: image id {image['id']} appears twice")
        images[image["id"]] = image
    return images


def _index_categories(path: str, entries: list) -> dict:
    """Category names by id (ids unique)."""
    categories = {}
    for index, entry in enumerate(entries):
        category = _entry(path, "categories", index, entry, ("id", "name"))
        if not is_int(category["id"]) or not isinstance(category["name"], str):
            raise AnnotationError(
                f"{path}: categories[{index}] needs an integer 'id' and a string 'name', "
                f"has {category['id']!r:.40} and {category['name']!r:.40}"
            )
        if category["id"] in categories:
            raise AnnotationError(f"{path}: category id {category['id']} appears twice")
        categories[category["id"]] = category["name"]
    return categories


def _check_annotation(path: str, index: int, annotation, images: dict) -> dict:
    """``annotations[index]`` checked: an object, integer ids of a listed image and a
    category, iscrowd 0 or 1 (category and segmentation are checked by ``coco_example``)."""
    annotation = _entry(path, "annotations", index, annotation, ())
    where = (
        f"{path}: annotation {annotation['id']!r}"
        if "id" in annotation
        else f"{path}: annotations[{index}]"
    )
    for key in ("image_id", "category_id"):
        if key in annotation and not is_int(annotation[key]):
            raise AnnotationError(f"{where}: {key} {annotation[key]!r:.60} is not an integer")
    if annotation.get("image_id") not in images:
        raise AnnotationError(
            f"{where}: image_id {annotation.get('image_id')!r} is not in 'images'"
        )
    if annotation.get("iscrowd", 0) not in (0, 1):
        raise AnnotationError(f"{where}: iscrowd {annotation['iscrowd']!r:.60} is not 0 or 1")
    return annotation


def _index(path: str, content) -> tuple[dict, dict, dict]:
    if not isinstance(content, dict) or not all(
        isinstance(content.get(k), list) for k in ("images", "annotations", "categories")
    ):
        raise AnnotationError(
            f"{path}: not COCO instance annotations (needs lists 'images', 'annotations', "
            "'categories')"
        )
    images = _index_images(path, content["images"])
    categories = _index_categories(path, content["categories"])
    by_image: dict = {image_id: [] for image_id in images}
    for index, entry in enumerate(content["annotations"]):
        annotation = _check_annotation(path, index, entry, images)
        by_image[annotation["image_id"]].append(annotation)
    return images, categories, by_image


def _instance_mask(where: str, segmentation, height: int, width: int) -> np.ndarray:
    try:
        if isinstance(segmentation, list):
            mask = decode_polygons(segmentation, height, width)
        elif isinstance(segmentation, dict):
            mask = decode_rle(segmentation, (height, width))
        else:
            raise ValueError(f"segmentation is {json_type(segmentation)}, need polygons or RLE")
    except ValueError as error:
        raise AnnotationError(f"{where}: {error}") from None
    if not mask.any():
        raise AnnotationError(f"{where}: segmentation covers no pixel")
    return mask


def coco_records(split_dir: str, annotation_file: str = COCO_FILE) -> list[dict]:
    """One record per image of a COCO-annotated split (its entry, its annotations, the
    categories), in image id order; ``coco_example`` reads one. Raises AnnotationError for a
    malformed file or an annotation of an unknown image."""
    path = os.path.join(split_dir, annotation_file)
    images, categories, by_image = _index(path, load_json(path))
    return [
        {
            "path": path,
            "split_dir": split_dir,
            "image": images[image_id],
            "annotations": by_image[image_id],
            "categories": categories,
        }
        for image_id in sorted(images, key=str)
    ]


def coco_example(record: dict, image_size: int | None, class_names, read_image) -> tuple[str, dict]:
    """(key, example dict) of one ``coco_records`` record (``example_from_instances``'s
    fields); ``read_image(path, image_size)`` reads its image as (H, W, C) uint8.

    Raises AnnotationError naming the file, image id and annotation id of the first problem
    (unknown category, bad segmentation, missing image file, size mismatch)."""
    path, categories, class_names = record["path"], record["categories"], list(class_names)
    image_entry = record["image"]
    image_id = image_entry["id"]
    file_name = str(image_entry["file_name"])
    image = read_image(os.path.join(record["split_dir"], file_name), image_size)
    height, width = image.shape[:2]
    declared = (image_entry.get("height", height), image_entry.get("width", width))
    if declared != (height, width):
        raise AnnotationError(
            f"{path}: image {image_id!r} ({file_name}) declares "
            f"{declared[0]}x{declared[1]}, the file is {height}x{width}"
        )
    masks, labels, crowd = [], [], []
    for annotation in record["annotations"]:
        where = f"{path}: annotation {annotation.get('id')!r} (image {image_id!r}, {file_name})"
        name = categories.get(annotation.get("category_id"))
        if name is None:
            raise AnnotationError(
                f"{where}: category_id {annotation.get('category_id')!r} is not in 'categories'"
            )
        if name not in class_names:
            raise AnnotationError(
                f"{where}: category {name!r} is not one of the dataset's "
                f"classes {class_names} (set data.class_names)"
            )
        if "segmentation" not in annotation:
            raise AnnotationError(f"{where}: has no 'segmentation'")
        masks.append(_instance_mask(where, annotation["segmentation"], height, width))
        labels.append(class_names.index(name) + 1)
        crowd.append(bool(annotation.get("iscrowd", 0)))
    masks = np.stack(masks) if masks else np.zeros((0, height, width), bool)
    return file_name, example_from_instances(image, masks, labels, crowd)


def read_coco_split(
    split_dir: str,
    image_size: int | None,
    class_names,
    read_image,
    annotation_file: str = COCO_FILE,
) -> Iterator[tuple[str, dict]]:
    """(key, example dict) per image of a COCO-annotated split folder, in image id order
    (``coco_records`` + ``coco_example``); images without annotations have no instances."""
    for record in coco_records(split_dir, annotation_file):
        yield coco_example(record, image_size, class_names, read_image)


def coco_annotations(examples, class_names) -> dict:
    """COCO instance-annotation dict of ``(file_name, (H, W), instance_masks (N, H, W),
    labels (N,) 1..K, is_crowd (N,))`` tuples; masks as compressed RLE, ids from 1."""
    images, annotations = [], []
    for image_id, (file_name, shape, masks, labels, is_crowd) in enumerate(examples, start=1):
        masks = np.asarray(masks, bool)
        images.append(
            {
                "id": image_id,
                "file_name": file_name,
                "height": int(shape[0]),
                "width": int(shape[1]),
            }
        )
        for mask, label, crowd in zip(masks, labels, is_crowd, strict=True):
            y1, x1, y2, x2 = (int(v) for v in mask_box(mask))
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": image_id,
                    "category_id": int(label),
                    "segmentation": encode_rle(mask),
                    "area": int(mask.sum()),
                    "bbox": [x1, y1, x2 - x1, y2 - y1],
                    "iscrowd": int(bool(crowd)),
                }
            )
    categories = [{"id": k, "name": name} for k, name in enumerate(class_names, start=1)]
    return {"images": images, "annotations": annotations, "categories": categories}


def write_coco_split(split_dir: str, examples, class_names, write_image, suffix: str = "") -> str:
    """Write examples as a COCO-annotated split folder; return the annotation file's path.

    Args:
        examples: (key, example dict) pairs (``image``, ``instance_masks``, ``labels``,
            ``is_crowd``), e.g. from ``read_coco_split``.
        write_image: ``write_image(path, image)`` writes one image where ``read_image``
            reads it.
        suffix: the image's file name is ``<key><suffix>``.
    """
    entries = []
    for key, example in examples:
        file_name = f"{key}{suffix}"
        write_image(os.path.join(split_dir, file_name), example["image"])
        entries.append(
            (
                file_name,
                example["image"].shape[:2],
                example["instance_masks"],
                example["labels"],
                example["is_crowd"],
            )
        )
    path = os.path.join(split_dir, COCO_FILE)
    atomic_write_text(path, json.dumps(coco_annotations(entries, class_names)) + "\n")
    return path
