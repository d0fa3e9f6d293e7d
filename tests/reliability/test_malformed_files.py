"""Guarantee: a malformed annotation file or export metadata is refused with one line that
names the file and the problem, never a traceback or a MemoryError.

One case per fault of the README table ("What tfdefect guarantees")."""

import json
import os
import zipfile

import cv2
import numpy as np
import pytest

from tests.annotated_chips import NAMES, synthetic_chips, write_via_split
from tfdefect.data.coco_annotations import COCO_FILE, AnnotationError
from tfdefect.data.coco_masks import decode_rle
from tfdefect.data.via_annotations import VIA_FILE
from tfdefect.datasets.chips6.splits import read_coco_split, read_via_split, write_coco_split
from tfdefect.export.metadata import (
    METADATA_FILE,
    MetadataError,
    ModelMetadata,
    read_keras_metadata,
    read_onnx_metadata,
    read_savedmodel_metadata,
    read_tflite_metadata,
    tflite_metadata_path,
)


def _set(content, keys: tuple, value):
    """``content`` with the item at the path ``keys`` replaced (the whole for no keys)."""
    if not keys:
        return value
    target = content
    for key in keys[:-1]:
        target = target[key]
    target[keys[-1]] = value
    return content


def _huge_rle():
    return {"size": [1_000_000, 1_000_000], "counts": [10**12]}


COCO_FAULTS = [
    (("annotations",), ["oops"], r"annotations\[0\] is a string, needs an object"),
    (("categories",), ["bump"], r"categories\[0\] is a string, needs an object with 'id'"),
    (("images",), [42], r"images\[0\] is a number, needs an object with 'id' and 'file_name'"),
    ((), [], r"not COCO instance annotations \(needs lists 'images'"),
    (("images", 0, "id"), "1", r"images\[0\]: id '1' is not an integer"),
    (("images", 0, "height"), "64", r"images\[0\]: height '64' is not a whole number > 0"),
    (("images", 0, "file_name"), ["chip_000"], r"images\[0\]: file_name \['chip_000'\] is not"),
    (("categories", 0, "name"), 1, r"categories\[0\] needs an integer 'id' and a string 'name'"),
    (("categories", 1, "id"), 1, r"category id 1 appears twice"),
    (("annotations", 0, "image_id"), "1", r"annotation 1: image_id '1' is not an integer"),
    (("annotations", 0, "category_id"), [1], r"annotation 1: category_id \[1\] is not an integer"),
    (("annotations", 0, "iscrowd"), "0", r"annotation 1: iscrowd '0' is not 0 or 1"),
    (
        ("annotations", 0, "segmentation"),
        5,
        r"annotation 1 \(image 1, chip_000\): segmentation is a number, need polygons or RLE",
    ),
    (("annotations", 0, "segmentation"), [5], r"annotation 1 .*polygon 5 is not a flat list"),
    (
        ("annotations", 0, "segmentation"),
        [[1, 1, "x", 1, 5, 5]],
        r"annotation 1 .*polygon \[1, 1, 'x', 1, 5, 5\] is not a flat list of numbers",
    ),
    (
        ("annotations", 0, "segmentation"),
        _huge_rle(),
        r"annotation 1 .*RLE size \[1000000, 1000000\], the image is 64x64",
    ),
    (
        ("annotations", 0, "segmentation"),
        {"size": [-64, -64], "counts": [4096]},
        r"annotation 1 .*RLE size \[-64, -64\] is not \[height, width\] of whole numbers >= 0",
    ),
    (
        ("annotations", 0, "segmentation"),
        {"size": [64.5, 64], "counts": [4096]},
        r"annotation 1 .*RLE size \[64.5, 64\] is not \[height, width\] of whole numbers",
    ),
    (
        ("annotations", 0, "segmentation"),
        {"size": [64, 64], "counts": [10**12, 5]},
        r"annotation 1 .*RLE runs add up to 1000000000005, the size 64x64 needs 4096",
    ),
    (
        ("annotations", 0, "segmentation"),
        {"size": [64, 64], "counts": [4000, -4, 100]},
        r"annotation 1 .*RLE counts hold a negative run",
    ),
    (
        ("annotations", 0, "segmentation"),
        {"size": [64, 64], "counts": "o"},
        r"annotation 1 .*compressed RLE counts end in the middle of a run",
    ),
    (
        ("annotations", 0, "segmentation"),
        {"size": [64, 64], "counts": 4096},
        r"annotation 1 .*RLE counts is int, need a string or a list",
    ),
]


def _coco_split(tmp_path, keys, value) -> str:
    """A one-chip COCO split (two categories, one annotation) with one item replaced."""
    write_coco_split(str(tmp_path), synthetic_chips(1), NAMES)
    path = tmp_path / COCO_FILE
    content = json.loads(path.read_text())
    content["annotations"] = [
        {"id": 1, "image_id": 1, "category_id": 1, "segmentation": [[1, 1, 9, 1, 9, 9]]}
    ]
    path.write_text(json.dumps(_set(content, keys, value)))
    return str(path)


def _refusal(read, path: str, message: str) -> str:
    """The one-line message ``read()`` refuses with; it must name ``path``."""
    with pytest.raises(AnnotationError, match=message) as caught:
        read()
    text = str(caught.value)
    assert text.startswith(f"{path}: ") and "\n" not in text
    return text


@pytest.mark.parametrize(
    "keys, value, message",
    COCO_FAULTS,
    ids=[f"{'.'.join(map(str, k)) or 'top'}-{i}" for i, (k, _, _) in enumerate(COCO_FAULTS)],
)
def test_a_malformed_coco_file_is_named_with_the_entry_and_problem(tmp_path, keys, value, message):
    path = _coco_split(tmp_path, keys, value)
    _refusal(lambda: list(read_coco_split(str(tmp_path), 64, NAMES)), path, message)


def test_fields_the_coco_reader_does_not_use_may_hold_anything(tmp_path):
    """bbox and area are derived from the masks, so their values cannot break a read."""
    _coco_split(tmp_path, ("annotations", 0, "iscrowd"), 0)
    ((_, plain),) = read_coco_split(str(tmp_path), 64, NAMES)
    path = _coco_split(tmp_path, ("annotations", 0, "bbox"), "oops")
    content = json.loads(open(path).read())
    content["annotations"][0]["area"] = {"big": True}
    open(path, "w").write(json.dumps(content))
    ((_, odd),) = read_coco_split(str(tmp_path), 64, NAMES)
    assert odd["labels"].tolist() == [1] and odd["instance_masks"].any()
    assert np.array_equal(odd["boxes"], plain["boxes"])


def test_an_rle_is_refused_before_its_mask_is_allocated():
    """Without a known image size the runs are still checked before np.repeat runs."""
    with pytest.raises(ValueError, match="RLE runs add up to 1000000000000, the size 10x10"):
        decode_rle({"size": [10, 10], "counts": [10**12]})
    with pytest.raises(ValueError, match=r"RLE size \[1000000, 1000000\], the image is 8x8"):
        decode_rle(_huge_rle(), (8, 8))


def _region(polygon_x=(10, 20, 20, 10)):
    return {
        "shape_attributes": {
            "name": "polygon",
            "all_points_x": list(polygon_x),
            "all_points_y": [10, 10, 20, 20],
        },
        "region_attributes": {"class": "dent"},
    }


VIA_FAULTS = [
    ("list", ["oops"], r"chip_000.tiff region 0 is a string, needs an object"),
    ("via1", {"0": _region(), "1": "oops"}, r"chip_000.tiff region 1 is a string, needs an object"),
    ("via2", [_region(), 7], r"chip_000.tiff region 1 is a number, needs an object"),
    ("list", "oops", r"chip_000.tiff regions is a string, needs a list or an object"),
    ("via1", {"first": _region()}, r"chip_000.tiff regions: key 'first' is not a region number"),
    (
        "list",
        [{**_region(), "shape_attributes": ["polygon"]}],
        r"region 0: shape_attributes is a list, needs an object",
    ),
    (
        "list",
        [{**_region(), "region_attributes": "dent"}],
        r"region 0: region_attributes is a string, needs an object",
    ),
    (
        "list",
        [{**_region(), "shape_attributes": {**_region()["shape_attributes"], "all_points_x": 5}}],
        r"region 0: all_points_x is a number and all_points_y a list, need lists of numbers",
    ),
    ("list", [_region((10, 20, float("nan"), 10))], r"region 0: .*finite numbers"),
]


def _via_split(tmp_path, layout: str, regions) -> str:
    """A one-chip VIA split whose entry has ``regions``; ``layout`` via2 wraps it in a
    VIA 2 project file."""
    write_via_split(str(tmp_path), synthetic_chips(1))
    path = tmp_path / VIA_FILE
    content = json.loads(path.read_text())
    next(iter(content.values()))["regions"] = regions
    if layout == "via2":
        content = {"_via_settings": {}, "_via_img_metadata": content}
    path.write_text(json.dumps(content))
    return str(path)


@pytest.mark.parametrize(
    "layout, regions, message", VIA_FAULTS, ids=[f"via-{i}" for i in range(len(VIA_FAULTS))]
)
def test_a_malformed_via_region_is_named_with_the_file_and_region(
    tmp_path, layout, regions, message
):
    path = _via_split(tmp_path, layout, regions)
    _refusal(lambda: list(read_via_split(str(tmp_path), 64, NAMES)), path, message)


def test_a_via_entry_whose_filename_is_not_a_name_is_refused(tmp_path):
    path = _via_split(tmp_path, "list", [])
    content = json.loads(open(path).read())
    next(iter(content.values()))["filename"] = 7
    open(path, "w").write(json.dumps(content))
    _refusal(lambda: list(read_via_split(str(tmp_path), 64, NAMES)), path, "filename 7 is not")


GOOD_METADATA = {
    "task": "classification",
    "class_names": ["good", "bad"],
    "inputs": [{"name": "images", "shape": [8, 8, 3], "dtype": "uint8"}],
}

METADATA_FAULTS = [
    ("{}", r"lacks 'task', 'class_names', 'inputs' \(required: task, class_names, inputs\)"),
    ("[]", "tfdefect metadata is a list, not an object"),
    ("{not json", "tfdefect metadata is not valid JSON"),
    (json.dumps({**GOOD_METADATA, "inputs": None}), "field 'inputs' is None, needs a list"),
    (json.dumps({**GOOD_METADATA, "task": "regression"}), "field 'task' is 'regression', needs"),
    (json.dumps({**GOOD_METADATA, "class_names": "good"}), "field 'class_names' is 'good'"),
    (
        json.dumps({**GOOD_METADATA, "inputs": [{"name": "images", "shape": [8, 8, 3]}]}),
        r"inputs\[0\] is \{'name': 'images', 'shape': \[8, 8, 3\]\}, needs \{\"name\": string",
    ),
    (json.dumps({**GOOD_METADATA, "version": "3"}), "field 'version' is '3', needs an integer"),
    (json.dumps({**GOOD_METADATA, "thresholds": {"ng": "high"}}), "field 'thresholds' is"),
]


def _write(path: str, text: str) -> str:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as handle:
        handle.write(text)
    return path


def _savedmodel(tmp_path, text):
    source = _write(str(tmp_path / "1" / "assets.extra" / METADATA_FILE), text)
    return source, lambda: read_savedmodel_metadata(str(tmp_path / "1"))


def _tflite(tmp_path, text):
    model = str(tmp_path / "m.tflite")
    return _write(tflite_metadata_path(model), text), lambda: read_tflite_metadata(model)


def _onnx(tmp_path, text):
    source = f"{tmp_path / 'm.onnx'} metadata_props['tfdefect']"
    return source, lambda: read_onnx_metadata({"tfdefect": text}, str(tmp_path / "m.onnx"))


def _keras(tmp_path, text):
    path = str(tmp_path / "m.keras")
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(METADATA_FILE, text)
    return f"{path}:{METADATA_FILE}", lambda: read_keras_metadata(path)


CARRIERS = {"savedmodel": _savedmodel, "tflite": _tflite, "onnx": _onnx, "keras": _keras}


@pytest.mark.parametrize("carrier", CARRIERS)
@pytest.mark.parametrize(
    "text, message", METADATA_FAULTS, ids=[f"meta-{i}" for i in range(len(METADATA_FAULTS))]
)
def test_malformed_export_metadata_names_the_file_and_field(tmp_path, carrier, text, message):
    source, read = CARRIERS[carrier](tmp_path, text)
    with pytest.raises(MetadataError, match=message) as caught:
        read()
    assert str(caught.value).startswith(f"{source}: ") and "\n" not in str(caught.value)


@pytest.mark.parametrize("carrier", CARRIERS)
def test_well_formed_metadata_still_reads_from_every_carrier(tmp_path, carrier):
    text = json.dumps({**GOOD_METADATA, "future_field": 1})  # unknown fields are ignored
    _, read = CARRIERS[carrier](tmp_path, text)
    assert read() == ModelMetadata(**GOOD_METADATA, library_version=read().library_version)


@pytest.fixture(scope="module")
def tiny_tflite(tmp_path_factory):
    """A float .tflite of a 2-layer Keras classifier (8x8x3 -> 2 classes) and an image."""
    import keras
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2,
    )

    model = keras.Sequential(
        [
            keras.Input((8, 8, 3)),
            keras.layers.GlobalAveragePooling2D(),
            keras.layers.Dense(2, activation="softmax"),
        ]
    )
    function = tf.function(lambda x: model(x, training=False))
    concrete = function.get_concrete_function(tf.TensorSpec((1, 8, 8, 3), tf.float32))
    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [convert_variables_to_constants_v2(concrete)], model
    )
    folder = tmp_path_factory.mktemp("tflite")
    path = folder / "m.tflite"
    path.write_bytes(converter.convert())
    image = folder / "x.png"
    cv2.imwrite(str(image), np.full((8, 8, 3), 128, np.uint8))
    return str(path), str(image)


@pytest.mark.parametrize(
    "text, message",
    [
        ("{}", "tfdefect metadata lacks 'task', 'class_names', 'inputs'"),
        (json.dumps({**GOOD_METADATA, "inputs": "images"}), "field 'inputs' is 'images'"),
        ("{not json", "tfdefect metadata is not valid JSON"),
    ],
)
def test_predict_with_a_tflite_whose_metadata_is_malformed_prints_one_line(
    tiny_tflite, tmp_path, capsys, text, message
):
    from tfdefect.cli import main

    model, image = tiny_tflite
    _write(tflite_metadata_path(model), text)
    assert main(["predict", model, image, "--output", str(tmp_path / "out")]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"tfdefect predict: error: {model}.json: ") and message in lines[0]


def test_predict_with_well_formed_tflite_metadata_runs(tiny_tflite, tmp_path, capsys):
    from tfdefect.cli import main

    model, image = tiny_tflite
    _write(tflite_metadata_path(model), json.dumps(GOOD_METADATA))
    assert main(["predict", model, image, "--output", str(tmp_path / "out")]) == 0
    assert "1 images" in capsys.readouterr().out
