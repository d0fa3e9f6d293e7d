"""Send a matrix of malformed requests to a SavedModel in a fresh interpreter that never
imports tfdefect (as TF Serving would run it) and print each outcome as JSON."""

import json
import os
import subprocess
import sys

CLIENT = r"""
import json, sys
import numpy as np
import tensorflow as tf
assert "tfdefect" not in sys.modules
path = sys.argv[1]
loaded = tf.saved_model.load(path)
with open(f"{path}/assets.extra/tfdefect.json") as handle:
    inputs = json.load(handle)["inputs"]
images = [s for s in inputs if s["dtype"] == "uint8"]
first = images[0]["name"]
H, W, C = images[0]["shape"]
rng = np.random.default_rng(0)

def feeds(batch, **override):
    values = {}
    for spec in inputs:
        if spec["dtype"] == "uint8":
            values[spec["name"]] = rng.integers(0, 256, (batch, *spec["shape"]), np.uint8)
        else:
            values[spec["name"]] = np.zeros((batch,), spec["dtype"])
    values.update(override)
    return values

def png(height, width):
    if C in (1, 3):
        return tf.io.encode_png(np.zeros((height, width, C), np.uint8)).numpy()
    return tf.io.encode_png(np.zeros((height, width * C, 1), np.uint8)).numpy()

good = rng.integers(0, 256, (2, H, W, C), np.uint8)
default = {
    "valid": feeds(2),
    "empty_batch": feeds(0),
    "rank3": feeds(2, **{first: good[0]}),
    "rank5": feeds(2, **{first: good[None]}),
    "wrong_height": feeds(2, **{first: np.zeros((2, H + 8, W, C), np.uint8)}),
    "double_width": feeds(2, **{first: np.zeros((2, H, 2 * W, C), np.uint8)}),
    "wrong_channels": feeds(2, **{first: np.zeros((2, H, W, 1 if C != 1 else 3), np.uint8)}),
    "float_pixels": feeds(2, **{first: good.astype(np.float32)}),
}
if len(inputs) > 1:
    other = [s["name"] for s in inputs if s["name"] != first][0]
    default["batch_mismatch"] = feeds(2, **{other: feeds(3)[other]})
if any(s["name"] == "position_id" for s in inputs):
    default["position_out_of_range"] = feeds(2, position_id=np.array([0, 99], np.int32))
    default["position_negative"] = feeds(2, position_id=np.array([-1, 0], np.int32))
bytes_cases = {
    "valid_bytes": [png(H, W), png(H, W)],
    "empty_bytes_batch": [],
    "garbage_bytes": [b"not an image at all", png(H, W)],
    "empty_string": [b""],
    "bytes_wrong_size": [png(H + 8, W)],
    "scalar_string": png(H, W),
}

def run(signature, values):
    try:
        outputs = loaded.signatures[signature](**{k: tf.constant(v) for k, v in values.items()})
        return {"status": "ok", "lengths": {k: int(v.shape[0]) for k, v in outputs.items()}}
    except Exception as error:
        return {"status": "error", "type": type(error).__name__, "message": str(error)[-400:]}

report = {name: run("serving_default", values) for name, values in default.items()}
for case, encoded in bytes_cases.items():
    batch = 0 if isinstance(encoded, bytes) else len(encoded)
    values = {}
    for spec in inputs:
        name = spec["name"]
        if name == first:
            values[f"encoded_{name}"] = np.array(encoded, dtype=object)
        elif spec["dtype"] == "uint8":
            values[f"encoded_{name}"] = np.array([png(H, W)] * max(batch, 1), dtype=object)
        else:
            values[name] = np.zeros((max(batch, 1),), spec["dtype"])
        if batch == 0 and name != first:
            key = f"encoded_{name}" if spec["dtype"] == "uint8" else name
            values[key] = values[key][:0]
    report[case] = run("serving_bytes", values)
print(json.dumps(report))
"""


def malformed_request_report(path: str) -> dict:
    """Run the matrix against the SavedModel at ``path``; the process must not die."""
    result = subprocess.run(
        [sys.executable, "-c", CLIENT, str(path)],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    assert result.returncode == 0, (
        f"serving process died (return code {result.returncode}):\n{result.stderr[-3000:]}"
    )
    return json.loads(result.stdout.strip().splitlines()[-1])
