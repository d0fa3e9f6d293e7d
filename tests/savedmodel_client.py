"""Serve an exported SavedModel from a fresh interpreter that never imports tfdefect."""

import json
import os
import subprocess
import sys

import numpy as np

from tfdefect.export.signatures import encode_channel_mosaic

CLIENT = r"""
import json, sys
import numpy as np
import tensorflow as tf
assert "tfdefect" not in sys.modules
path, images_file, encoded_dir, count = sys.argv[1:5]
loaded = tf.saved_model.load(path, tags=["serve"])
images = np.load(images_file)
by_array = loaded.signatures["serving_default"](images=tf.constant(images))
encoded = [open(f"{encoded_dir}/{i}.png", "rb").read() for i in range(int(count))]
by_bytes = loaded.signatures["serving_bytes"](encoded_images=tf.constant(encoded))
print(json.dumps({
    "signatures": sorted(loaded.signatures.keys()),
    "tfdefect_imported": "tfdefect" in sys.modules,
    "array": {k: v.numpy().tolist() for k, v in by_array.items()},
    "bytes": {k: v.numpy().tolist() for k, v in by_bytes.items()},
}))
"""


def serve_in_clean_process(path, images, workdir) -> dict:
    """Call both signatures of the SavedModel at ``path`` on uint8 ``images`` (B, H, W, C):
    ``serving_default`` on the array, ``serving_bytes`` on PNG encodings written to
    ``workdir``. Returns {"signatures", "tfdefect_imported", "array": outputs, "bytes":
    outputs} with outputs as nested lists; fails the test if the process fails."""
    np.save(os.path.join(workdir, "images.npy"), images)
    for i, image in enumerate(images):
        with open(os.path.join(workdir, f"{i}.png"), "wb") as handle:
            handle.write(encode_channel_mosaic(image))
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            CLIENT,
            str(path),
            os.path.join(workdir, "images.npy"),
            str(workdir),
            str(len(images)),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])
