"""PaDiM fit for the kill test: ``python -m tests.reliability.killable_padim_fit PATH``
streams random boards through a small PaDiM (400 batches: several seconds, so a kill one
second after the start lands in the fit), then saves it to PATH (.keras); prints
``fitting`` when the fit starts."""

import sys

import keras
import numpy as np

from tfdefect.export import describe_model
from tfdefect.models.padim import Padim
from tfdefect.recipes.common import save_keras_with_metadata


def batches(count=400):
    rng = np.random.default_rng(0)
    for _ in range(count):
        yield rng.integers(0, 256, (4, 64, 64, 3)).astype("float32")


def main(path: str) -> None:
    keras.utils.set_random_seed(0)
    model = Padim("resnet18", (64, 64, 3), embedding_dims=8)
    print("fitting", flush=True)
    model.fit_gaussian(batches(), verbose=False)
    save_keras_with_metadata(model, path, describe_model(model))


if __name__ == "__main__":
    main(sys.argv[1])
