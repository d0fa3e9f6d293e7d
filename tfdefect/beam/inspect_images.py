"""``InspectImages``: a Beam PTransform from inspection jobs to result records and failures."""

from __future__ import annotations

import os
import tempfile

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.ml.inference.base import KeyedModelHandler, RunInference

from tfdefect.beam.predictor_model_handler import FAILURE, PredictorModelHandler

FAILURES = "failures"


def read_any(path: str, channels: int):
    """(H, W, C) uint8 of a file on any filesystem Beam reads (local files directly, others
    through a temporary copy), with ``read_image``'s checks."""
    from tfdefect.inference.image_io import read_image

    if os.path.exists(path) or "://" not in path:
        return read_image(path, channels)
    suffix = os.path.splitext(path)[1]
    with FileSystems.open(path) as source, tempfile.NamedTemporaryFile(suffix=suffix) as copy:
        copy.write(source.read())
        copy.flush()
        return read_image(copy.name, channels)


def failure_record(name: str, path: str, reason: str) -> dict:
    """A line of ``failures-*.jsonl``."""
    return {"image": path, "name": name, "reason": reason}


class _ReadJob(beam.DoFn):
    """(name, test path, reference path or None) -> ((name, path), (image, reference
    image)); an unreadable file, or one of the wrong shape (``read_image``'s checks), goes
    to the ``failures`` output with the reason. The key carries the path through
    RunInference, so every result keeps its source."""

    def __init__(self, channels: int):
        self.channels = channels

    def process(self, job):
        name, test, reference = job
        try:
            image = read_any(test, self.channels)
            other = read_any(reference, self.channels) if reference else None
        except Exception as error:  # one bad file never stops the pipeline
            from tfdefect.inference.predictor import failure_reason

            yield beam.pvalue.TaggedOutput(
                FAILURES, failure_record(name, test, failure_reason(error))
            )
            return
        yield (name, test), (image, other)


class _SplitResults(beam.DoFn):
    """((name, path), result) -> a ``predictions`` record, or a ``failures`` record for an
    image whose prediction raised (``PredictorModelHandler``'s ``FAILURE`` results)."""

    def process(self, keyed):
        (name, path), result = keyed
        if FAILURE in result:
            yield beam.pvalue.TaggedOutput(FAILURES, failure_record(name, path, result[FAILURE]))
        else:
            yield {"image": path, "name": name, **result}


class InspectImages(beam.PTransform):
    """Jobs ``(name, test image path, reference path or None)`` -> a dict of PCollections:
    ``predictions`` (one record per image: ``image``, ``name`` and ``tfdefect predict``'s
    fields) and ``failures`` (``image``, ``name``, ``reason``: files that could not be read,
    were of the wrong shape, or whose prediction raised).

    Args:
        model_path: an exported model (SavedModel folder, ``model.onnx``, ``.keras``).
        channels: the model's input channels (``ModelMetadata``).
        batch_size / max_batch_size: model call size and Beam's largest batch.
        position_id: for a cached-reference MPB3.
    """

    def __init__(self, model_path, channels, batch_size=8, max_batch_size=32, position_id=None):
        super().__init__()
        self.handler = KeyedModelHandler(
            PredictorModelHandler(model_path, batch_size, max_batch_size, position_id)
        )
        self.channels = channels

    def expand(self, jobs):
        read = jobs | "Read" >> beam.ParDo(_ReadJob(self.channels)).with_outputs(
            FAILURES, main="images"
        )
        inferred = read.images | "Infer" >> RunInference(self.handler)
        split = inferred | "Records" >> beam.ParDo(_SplitResults()).with_outputs(
            FAILURES, main="predictions"
        )
        failures = (read[FAILURES], split[FAILURES]) | "All failures" >> beam.Flatten()
        return {"predictions": split.predictions, FAILURES: failures}
