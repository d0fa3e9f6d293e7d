"""Progress bars for long steps (evaluation, export, prediction): tqdm, one look everywhere.

TFDS's dataset builds and Keras' ``fit`` draw their own (tqdm and Keras' Progbar); every other
step longer than a few seconds goes through ``progress_bar``: on stderr, so a redirected
stdout keeps only the results, and only while the ``tfdefect`` logger shows INFO (the
command lines without ``--quiet``; a library user turns them on with
``logging.getLogger("tfdefect").setLevel(logging.INFO)``).
"""

from __future__ import annotations

import sys


def progress_bar(total=None, description: str = "", unit: str = "batch", enabled: bool = True):
    """A tqdm bar on stderr (``update(n)``, ``set_postfix_str``, ``close``; a context
    manager). ``total`` None counts without an end; ``enabled`` False (or a ``tfdefect``
    logger above INFO) draws nothing."""
    from tqdm import tqdm

    from tfdefect.console import shows_progress

    return tqdm(
        total=total,
        desc=description,
        unit=unit,
        file=sys.stderr,
        dynamic_ncols=True,
        mininterval=1.0,
        disable=not (enabled and shows_progress()),
    )


def progress_bar_over(dataset, description: str, unit: str = "batch"):
    """Iterate ``dataset`` (tf.data or any iterable) with a bar that closes at the end."""
    with progress_bar(batches_of(dataset), description, unit) as bar:
        for item in dataset:
            yield item
            bar.update(1)


def batches_of(dataset) -> int | None:
    """The number of items of a tf.data dataset when TensorFlow knows it (or of a sized
    iterable such as an array), else None."""
    if hasattr(dataset, "cardinality"):
        count = int(dataset.cardinality())
        return count if count >= 0 else None
    return len(dataset) if hasattr(dataset, "__len__") else None
