"""VIA region annotations (Matterport Mask R-CNN's ``via_region_data.json``).

Layout of a split folder::

    via_region_data.json   {"<key>": {"filename": ..., "regions": [...] or {"0": ...}}}
                           (a VIA 2 project file, with ``_via_img_metadata``, works too)
    <filename>             the image, read by the dataset's ``read_image(path, image_size)``
                           (chips6: a chip folder of six channel PNGs or a six-page TIFF)

A region's ``shape_attributes`` is a polygon (``all_points_x`` / ``all_points_y``), rect,
circle or ellipse. Its class is the value of its one ``region_attributes`` entry, or of the
entry named class / name / label / type / defect; a dataset with one class accepts regions
without attributes (Matterport's balloon layout). ``"iscrowd": 1`` among the attributes
flags a crowd region.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import numpy as np

from tfdefect.data.coco_annotations import AnnotationError, load_json
from tfdefect.data.coco_masks import decode_polygons
from tfdefect.data.instance_masks import example_from_instances
from tfdefect.json_values import json_type

VIA_FILE = "via_region_data.json"
CLASS_KEYS = ("class", "name", "label", "type", "defect")


def _shape_polygon(shape: dict) -> list[float]:
    """x, y pairs outlining one VIA shape (circles and ellipses as 64-gons)."""
    kind = shape.get("name")
    if kind in ("polygon", "polyline"):
        xs, ys = shape["all_points_x"], shape["all_points_y"]
        if not isinstance(xs, list) or not isinstance(ys, list):
            raise ValueError(
                f"all_points_x is {json_type(xs)} and all_points_y {json_type(ys)}, "
                "need lists of numbers"
            )
        if len(xs) != len(ys):
            raise ValueError(f"{len(xs)} x and {len(ys)} y points")
    elif kind == "rect":
        x, y, w, h = (float(shape[k]) for k in ("x", "y", "width", "height"))
        xs, ys = [x, x + w, x + w, x], [y, y, y + h, y + h]
    elif kind in ("circle", "ellipse"):
        rx = float(shape["r"] if kind == "circle" else shape["rx"])
        ry = float(shape["r"] if kind == "circle" else shape["ry"])
        angles = np.linspace(0, 2 * np.pi, 64, endpoint=False)
        xs = float(shape["cx"]) + rx * np.cos(angles)
        ys = float(shape["cy"]) + ry * np.sin(angles)
    else:
        raise ValueError(f"shape {kind!r} is not polygon, polyline, rect, circle or ellipse")
    return [float(v) for pair in zip(xs, ys, strict=True) for v in pair]


def _region_class(attributes: dict, class_names: list[str]) -> str:
    named = {k: v for k, v in attributes.items() if k != "iscrowd"}
    if not named and len(class_names) == 1:
        return class_names[0]
    if len(named) == 1:
        value = next(iter(named.values()))
    else:
        value = next((named[k] for k in CLASS_KEYS if k in named), None)
    if isinstance(value, dict):  # VIA 2 checkbox attributes: {"dent": true}
        chosen = [k for k, v in value.items() if v]
        value = chosen[0] if len(chosen) == 1 else None
    if value is None:
        raise ValueError(
            f"region_attributes {attributes} name no class (give one attribute, "
            f"or one of {', '.join(CLASS_KEYS)})"
        )
    if str(value) not in class_names:
        raise ValueError(
            f"class {value!r} is not one of the dataset's classes {class_names} "
            "(set data.class_names)"
        )
    return str(value)


def via_records(split_dir: str, annotation_file: str = VIA_FILE) -> list[dict]:
    """One record per image of a VIA-annotated split (its entry), in file name order;
    ``via_example`` reads one. Raises AnnotationError for a file that is not VIA region data."""
    path = os.path.join(split_dir, annotation_file)
    content = load_json(path)
    if isinstance(content, dict) and "_via_img_metadata" in content:
        content = content["_via_img_metadata"]
    if not isinstance(content, dict) or not all(
        isinstance(v, dict) and "filename" in v for v in content.values()
    ):
        raise AnnotationError(f"{path}: not VIA region data (needs entries with 'filename')")
    for key, entry in content.items():
        if not isinstance(entry["filename"], str) or not entry["filename"]:
            raise AnnotationError(
                f"{path}: entry {key!r:.60}: filename {entry['filename']!r:.60} is not a file name"
            )
    entries = sorted(content.values(), key=lambda v: v["filename"])
    return [{"path": path, "split_dir": split_dir, "entry": entry} for entry in entries]


def _regions(where: str, regions) -> list[tuple[str, object]]:
    """(index, region) pairs of an entry's ``regions``: a list (VIA 2, Matterport) or a
    dict keyed by region number (VIA 1)."""
    if regions is None:
        return []
    if isinstance(regions, dict):
        if not all(str(k).isdecimal() for k in regions):
            keys = [k for k in regions if not str(k).isdecimal()]
            raise AnnotationError(f"{where} regions: key {keys[0]!r:.40} is not a region number")
        return [(k, regions[k]) for k in sorted(regions, key=int)]
    if not isinstance(regions, list):
        raise AnnotationError(f"{where} regions is {json_type(regions)}, needs a list or an object")
    return [(str(index), region) for index, region in enumerate(regions)]


def _region_parts(where: str, region) -> tuple[dict, dict]:
    """(shape_attributes, region_attributes) of one region, checked to be objects."""
    if not isinstance(region, dict):
        raise AnnotationError(f"{where} is {json_type(region)}, needs an object")
    parts = []
    for key in ("shape_attributes", "region_attributes"):
        value = region.get(key) or {}
        if not isinstance(value, dict):
            raise AnnotationError(f"{where}: {key} is {json_type(value)}, needs an object")
        parts.append(value)
    return parts[0], parts[1]


def _region_mask(where: str, region, class_names: list, shape) -> tuple[np.ndarray, int, bool]:
    """(mask, label 1..K, is_crowd) of one region of an image of ``shape`` (H, W)."""
    shape_attributes, attributes = _region_parts(where, region)
    try:
        polygon = _shape_polygon(shape_attributes)
        label = class_names.index(_region_class(attributes, class_names)) + 1
        mask = decode_polygons([polygon], *shape)
    except KeyError as error:
        raise AnnotationError(f"{where}: shape_attributes lack {error}") from None
    except (TypeError, ValueError) as error:
        raise AnnotationError(f"{where}: {error}") from None
    if not mask.any():
        raise AnnotationError(f"{where}: region covers no pixel of the {shape[0]}x{shape[1]} image")
    crowd = str(attributes.get("iscrowd", "0")) not in ("0", "", "False", "false")
    return mask, label, crowd


def via_example(record: dict, image_size: int | None, class_names, read_image) -> tuple[str, dict]:
    """(key, example dict) of one ``via_records`` record (``example_from_instances``'s
    fields); ``read_image(path, image_size)`` reads its image as (H, W, C) uint8. Raises
    AnnotationError naming the file, image and region index of the first problem."""
    path, entry, class_names = record["path"], record["entry"], list(class_names)
    file_name = str(entry["filename"])
    regions = _regions(f"{path}: {file_name}", entry.get("regions"))
    image = read_image(os.path.join(record["split_dir"], file_name), image_size)
    height, width = image.shape[:2]
    masks, labels, crowd = [], [], []
    for index, region in regions:
        where = f"{path}: {file_name} region {index}"
        mask, label, is_crowd = _region_mask(where, region, class_names, (height, width))
        masks.append(mask)
        labels.append(label)
        crowd.append(is_crowd)
    masks = np.stack(masks) if masks else np.zeros((0, height, width), bool)
    return file_name, example_from_instances(image, masks, labels, crowd)


def read_via_split(
    split_dir: str,
    image_size: int | None,
    class_names,
    read_image,
    annotation_file: str = VIA_FILE,
) -> Iterator[tuple[str, dict]]:
    """(key, example dict) per image of a VIA-annotated split folder, in file name order."""
    for record in via_records(split_dir, annotation_file):
        yield via_example(record, image_size, class_names, read_image)
