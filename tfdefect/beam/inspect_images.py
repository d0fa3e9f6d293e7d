"""``InspectImages``: a Beam PTransform from inspection jobs to result records and failures."""

from __future__ import annotations

import os
import tempfile

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems
from apache_beam.ml.inference.base import KeyedModelHandler, RunInference

from tfdefect.beam.predictor_model_handler import PredictorModelHandler

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


class _ReadJob(beam.DoFn):
    """(name, test path, reference path or None) -> ((name, path), (image, reference
    image)); an unreadable file goes to the ``failures`` output with the reason. The key
    carries the path through RunInference, so every result keeps its source."""

    def __init__(self, channels: int):
        self.channels = channels

    def process(self, job):
        name, test, reference = job
        try:
            image = read_any(test, self.channels)
            other = read_any(reference, self.channels) if reference else None
        except Exception as error:  # one bad file never stops the pipeline
            yield beam.pvalue.TaggedOutput(
                FAILURES, {"image": test, "name": name, "reason": str(error)}
            )
            return
        yield (name, test), (image, other)


class InspectImages(beam.PTransform):
    """Jobs ``(name, test image path, reference path or None)`` -> a dict of PCollections:
    ``predictions`` (one record per image: ``image``, ``name`` and ``tfdefect predict``'s
    fields) and ``failures`` (``image``, ``name``, ``reason``).

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
        records = inferred | "Records" >> beam.MapTuple(
            lambda key, result: {"image": key[1], "name": key[0], **result}
        )
        return {"predictions": records, FAILURES: read[FAILURES]}
