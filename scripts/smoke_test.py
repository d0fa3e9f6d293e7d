"""A few minutes' check of an installed tfdefect (not the checkout): import, one tiny
training, one export (SavedModel + ONNX), ``tfdefect predict`` on PNG files, and how fast
``tfdefect predict --help`` answers.

    python scripts/smoke_test.py            # run from anywhere; uses the tfdefect installed

CI runs it in a venv with the lowest versions ``pyproject.toml`` allows
(``constraints-lowest.txt``) on Python 3.11, and with ``constraints.txt`` on Python 3.12
and 3.13. Exit code 0 when every step worked.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time


def console_script() -> str:
    path = shutil.which("tfdefect", path=os.path.dirname(sys.executable))
    if path is None:
        raise SystemExit("no tfdefect console script beside this Python: is tfdefect installed?")
    return path


def run(*args: str) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout


def main() -> None:
    import tfdefect

    script = console_script()
    started = time.perf_counter()
    run(script, "predict", "--help")
    help_seconds = time.perf_counter() - started
    print(f"tfdefect {tfdefect.__version__} from {os.path.dirname(tfdefect.__file__)}")
    print(f"tfdefect predict --help: {help_seconds:.2f} s")

    from tfdefect.console import hide_tensorflow_startup

    hide_tensorflow_startup()
    import cv2
    import keras
    import numpy as np

    from tfdefect.export import describe_model
    from tfdefect.recipes.common import save_keras_with_metadata

    work = tempfile.mkdtemp(prefix="tfdefect-smoke-")
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (32, 32, 32, 1)).astype("float32")
    labels = (images.mean(axis=(1, 2, 3)) > 127.5).astype("int32")
    model = tfdefect.create_model("classifier_luna", image_shape=(32, 32, 1), num_classes=2)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    history = model.fit(images, labels, batch_size=8, epochs=2, verbose=0)
    print(f"trained 2 epochs, loss {history.history['loss'][-1]:.3f}")
    keras_path = os.path.join(work, "model.keras")
    save_keras_with_metadata(model, keras_path, describe_model(model, ["ok", "defect"]))

    export_dir = os.path.join(work, "saved_models")
    published = json.loads(
        run(script, "export", keras_path, "--name", "smoke", "--export-dir", export_dir, "--json")
    )
    print(f"exported {published['path']}")

    folder = os.path.join(work, "images")
    os.makedirs(folder)
    for index in range(3):
        cv2.imwrite(os.path.join(folder, f"{index}.png"), images[index, ..., 0].astype("uint8"))
    for name, path in (("SavedModel", published["path"]), ("ONNX", published["onnx_path"])):
        output = os.path.join(work, f"predictions_{name}")
        run(script, "predict", path, folder, "--output", output, "--no-pictures")
        with open(os.path.join(output, "predictions.jsonl")) as handle:
            rows = [json.loads(line) for line in handle]
        if len(rows) != 3:
            raise SystemExit(f"{name}: {len(rows)} predictions for 3 images")
        print(f"predict through {name}: {len(rows)} images")
    shutil.rmtree(work)
    print("smoke test passed")


if __name__ == "__main__":
    main()
