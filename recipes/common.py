"""Small helpers shared by the recipes."""

from __future__ import annotations


def announce(message: str) -> None:
    """Print a recipe step heading, flushed so it shows up in logs at once."""
    print(f"\n== {message}", flush=True)


def first_channels(dataset, channels: int, total: int = 6):
    """Keep the first ``channels`` image channels of an (image, label) dataset."""
    if channels == total:
        return dataset
    return dataset.map(lambda image, label: (image[..., :channels], label))
