"""The serving guide (docs/serving.md) cannot drift: each documented request body is built
from a real export of its system and run through the SavedModel signature the way TF Serving's REST
API feeds it, and the documented outputs (names, dtypes, ranks) are what comes back."""

import base64
import os
import re

import numpy as np
import pytest
import tensorflow as tf

from tfdefect.export.signatures import encode_channel_mosaic

GUIDE = os.path.join(os.path.dirname(__file__), "..", "docs", "serving.md")


def _guide_sections() -> dict:
    """system -> (request snippet, {output: (dtype, rank)}) from the guide."""
    text = open(GUIDE).read()
    blocks = list(re.finditer(r"```python\n# request: (\w+)\n(.*?)```", text, re.S))
    sections = {}
    for block in blocks:
        table_start = block.end()
        rows = []
        for line in text[table_start:].splitlines():
            match = re.match(r"\| `(\w+)` \| (\w+) \| \(([^)]*)\) \|", line)
            if match:
                rows.append(match.groups())
            elif rows:
                break
        outputs = {n: (d, len([s for s in shape.split(",") if s.strip()])) for n, d, shape in rows}
        sections[block.group(1)] = (block.group(2), outputs)
    return sections


SECTIONS = _guide_sections()


def _feeds(body: dict, signature) -> dict:
    """What TF Serving does with a row-format REST body: one list per input, b64 decoded,
    cast to the signature's dtypes."""
    specs = signature.structured_input_signature[1]
    instances = body["instances"]
    columns = {name: [] for name in specs}
    for instance in instances:
        if not isinstance(instance, dict) or set(instance) - set(specs):
            assert len(specs) == 1, "several inputs need a dict per instance"
            instance = {next(iter(specs)): instance}
        for name, value in instance.items():
            columns[name].append(
                base64.b64decode(value["b64"]) if isinstance(value, dict) else value
            )
    feeds = {}
    for name, values in columns.items():
        dtype = specs[name].dtype
        feeds[name] = (
            tf.constant(values, dtype=tf.string)
            if dtype == tf.string
            else tf.constant(np.asarray(values), dtype=dtype)
        )
    return feeds


def test_guide_covers_every_system():
    assert set(SECTIONS) == {
        "segmentation",
        "detection",
        "anomaly",
        "classification",
        "pair",
        "pair_cached",
    }


@pytest.mark.parametrize("system", sorted(SECTIONS))
def test_documented_request_runs_and_returns_documented_outputs(system, tiny_export):
    import json

    path = tiny_export(system)
    loaded = tf.saved_model.load(path)
    with open(os.path.join(path, "assets.extra", "tfdefect.json")) as handle:
        spec = [s for s in json.load(handle)["inputs"] if s["dtype"] == "uint8"][0]
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, spec["shape"], np.uint8)
    reference = rng.integers(0, 256, spec["shape"], np.uint8)
    scope = {
        "image": image,
        "png": encode_channel_mosaic(image),
        "reference_png": encode_channel_mosaic(reference),
    }
    snippet, documented = SECTIONS[system]
    if system == "pair":  # pair and pair_cached share one output table
        documented = SECTIONS["pair_cached"][1]
    exec(snippet, scope)
    body = scope["body"]
    signature = loaded.signatures[body["signature_name"]]
    outputs = signature(**_feeds(body, signature))
    assert set(outputs) == set(documented)
    for name, value in outputs.items():
        dtype, rank = documented[name]
        assert value.dtype.name == dtype, name
        assert value.shape.rank == rank, name
        assert value.shape[0] == len(body["instances"]), name
