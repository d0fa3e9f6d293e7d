"""``tfdefect batch-predict``: one Beam pipeline from a file pattern to sharded results.

match files -> read and decode (bad files to ``failures-*.jsonl`` with the reason) ->
RunInference over the library's Predictor (batched, the model loaded once per worker) ->
``predictions-*.jsonl`` (``tfdefect predict``'s per-image fields plus ``image``) ->
``summary.json`` (images, failures, count per verdict). The same pipeline runs on the
DirectRunner (tested here) or on Flink, Spark or Dataflow with their pipeline options.
"""

from __future__ import annotations

import json
import os

import apache_beam as beam
from apache_beam.io import fileio
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions

from tfdefect.beam.inspect_images import FAILURES, InspectImages

OUTPUT_PATTERNS = ("predictions-*.jsonl", "failures-*.jsonl", "summary.json")


def _summary(_, verdicts, failures):
    counts = dict(sorted(verdicts))
    return json.dumps(
        {"images": sum(counts.values()), "failures": failures, "verdicts": counts}, indent=1
    )


def model_channels(model_path: str) -> tuple[int, str]:
    """(input channels, task) from the export's metadata (the launcher opens the model
    once; the workers load their own)."""
    from tfdefect.inference.runtimes import open_runtime

    metadata = open_runtime(model_path).metadata
    image = metadata.image_inputs[0]
    return int(image["shape"][-1]), metadata.task


def batch_predict(
    model_path: str,
    pattern: str | None,
    output_dir: str,
    *,
    pairs_csv: str | None = None,
    position_id: int | None = None,
    batch_size: int = 8,
    runner: str = "DirectRunner",
    pipeline_args=(),
    overwrite: bool = False,
) -> dict:
    """Run the pipeline; return the summary (also in ``<output_dir>/summary.json``).

    Args:
        pattern: files to inspect (a glob on any filesystem Beam reads); or ``pairs_csv``
            (columns reference, test) for a pair model.
        pipeline_args: Beam pipeline options (``--direct_num_workers=2``, ``--project=...``).
        overwrite: replace the results of an earlier run in ``output_dir``.
    """
    from tfdefect.inference.folder_prediction import read_pairs_csv

    earlier = [p for pattern_ in OUTPUT_PATTERNS for p in _matches(output_dir, pattern_)]
    if earlier and not overwrite:
        raise ValueError(
            f"--output {output_dir} holds results of an earlier run ({os.path.basename(earlier[0])}"
            ", ...); choose another folder or pass --overwrite"
        )
    for path in earlier:
        FileSystems.delete([path])
    channels, task = model_channels(model_path)
    if task == "pair_classification" and not pairs_csv and position_id is None:
        raise ValueError("a pair model needs --pairs CSV (or --position-id for a cached one)")
    options = PipelineOptions([f"--runner={runner}", *pipeline_args])
    with beam.Pipeline(options=options) as pipeline:
        if pairs_csv:
            jobs = pipeline | "Pairs" >> beam.Create(
                [(name, test, reference) for reference, test, name in read_pairs_csv(pairs_csv)]
            )
        else:
            base = _pattern_base(pattern)
            jobs = (
                pipeline
                | "Match" >> fileio.MatchFiles(pattern)
                | "Jobs" >> beam.Map(lambda match: (_relative(match.path, base), match.path, None))
            )
        results = jobs | "Inspect" >> InspectImages(
            model_path, channels, batch_size=batch_size, position_id=position_id
        )
        predictions, failures = results["predictions"], results[FAILURES]
        for name, collection in (("predictions", predictions), ("failures", failures)):
            _ = (
                collection
                | f"Json {name}" >> beam.Map(json.dumps)
                | f"Write {name}"
                >> beam.io.WriteToText(
                    os.path.join(output_dir, name),
                    file_name_suffix=".jsonl",
                    shard_name_template="-SSSSS-of-NNNNN",
                )
            )
        verdicts = (
            predictions
            | "Verdict" >> beam.Map(lambda record: record["verdict"])
            | "Count verdicts" >> beam.combiners.Count.PerElement()
            | "Verdict list" >> beam.combiners.ToList()
        )
        failed = failures | "Count failures" >> beam.combiners.Count.Globally()
        _ = (
            pipeline
            | "Start" >> beam.Create([None])
            | "Summary"
            >> beam.Map(
                _summary,
                verdicts=beam.pvalue.AsSingleton(verdicts),
                failures=beam.pvalue.AsSingleton(failed),
            )
            | "Write summary"
            >> beam.io.WriteToText(os.path.join(output_dir, "summary.json"), shard_name_template="")
        )
    with FileSystems.open(os.path.join(output_dir, "summary.json")) as handle:
        return json.loads(handle.read().decode())


def _matches(folder: str, pattern: str) -> list[str]:
    try:
        found = FileSystems.match([os.path.join(folder, pattern)])[0].metadata_list
    except Exception:  # an output folder that does not exist yet
        return []
    return [m.path for m in found]


def _pattern_base(pattern: str) -> str:
    """The folder part of a glob before its first wildcard."""
    cut = min((pattern.find(c) for c in "*?[" if c in pattern), default=len(pattern))
    return pattern[:cut].rsplit("/", 1)[0] if "/" in pattern[:cut] else ""


def _relative(path: str, base: str) -> str:
    return path[len(base) :].lstrip("/") if base and path.startswith(base) else path
