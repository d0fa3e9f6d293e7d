"""progress_bar_over: every item through, a bar with the right total on stderr."""

import logging

import numpy as np
import tensorflow as tf

from tfdefect.console import console_logging
from tfdefect.progress import batches_of, progress_bar_over


def test_items_pass_through_and_totals_are_known(capsys):
    dataset = tf.data.Dataset.range(5).batch(2)
    assert batches_of(dataset) == 3 and batches_of(np.zeros((4, 2))) == 4
    assert batches_of(iter([1, 2])) is None
    assert batches_of(dataset.filter(lambda x: True)) is None  # unknown cardinality
    with console_logging():
        seen = [int(batch[0]) for batch in progress_bar_over(dataset, "evaluate")]
    assert seen == [0, 2, 4]
    err = capsys.readouterr().err
    assert "evaluate" in err and "3/3" in err
    with console_logging(logging.ERROR):  # --quiet: every item, no bar
        assert len(list(progress_bar_over(dataset, "quiet"))) == 3
    assert "quiet" not in capsys.readouterr().err
