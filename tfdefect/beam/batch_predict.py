"""``tfdefect batch-predict``: one Beam pipeline from a file pattern to sharded results.

match files -> read and decode (bad files to ``failures-*.jsonl`` with the reason) ->
RunInference over the library's Predictor (batched, the model loaded once per worker; an
image whose prediction raises also goes to ``failures-*.jsonl``) -> ``predictions-*.jsonl``
(``tfdefect predict``'s per-image fields plus ``image``) -> ``summary.json`` (images,
failures, count per verdict). The same pipeline runs on the DirectRunner (tested here) or on
Flink, Spark or Dataflow with their pipeline options.

Nothing is lost: every input is checked before the pipeline starts (model, pattern, pairs
CSV, what a pair model needs), the pipeline writes into a temporary folder inside the output
folder, and only a pipeline that succeeded replaces an earlier run's results there; a failed
one leaves them as they were and its temporary folder removed.
"""

from __future__ import annotations

import json
import logging
import os
import uuid

import apache_beam as beam
from apache_beam.io import fileio
from apache_beam.io.filesystem import BeamIOError
from apache_beam.io.filesystems import FileSystems
from apache_beam.options.pipeline_options import PipelineOptions

from tfdefect.beam.inspect_images import FAILURES, InspectImages

OUTPUT_PATTERNS = ("predictions-*.jsonl", "failures-*.jsonl", "summary.json")
SUMMARY = "summary.json"
PAIR_TASK = "pair_classification"

_LOG = logging.getLogger(__name__)


def _summary(_, verdicts, failures):
    counts = dict(sorted(verdicts))
    return json.dumps(
        {"images": sum(counts.values()), "failures": failures, "verdicts": counts}, indent=1
    )


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
        overwrite: replace the results of an earlier run in ``output_dir`` (only once the
            new run has succeeded).

    Raises:
        ValueError: before anything is written: earlier results without ``overwrite``, no
            pattern nor pairs CSV, a pattern that matches no file, an unreadable pairs CSV
            or model, options the model does not take.
    """
    _refuse_earlier_results(output_dir, overwrite)
    pairs = _check_inputs(pattern, pairs_csv)
    metadata = _model_metadata(model_path)
    _check_model_options(model_path, metadata, pairs_csv, position_id)
    existed = FileSystems.exists(output_dir)
    staging = _new_folder(output_dir, ".tmp")
    try:
        inspect = InspectImages(
            model_path, _channels(metadata), batch_size=batch_size, position_id=position_id
        )
        options = PipelineOptions([f"--runner={runner}", *pipeline_args])
        _run_pipeline(_jobs(pattern, pairs), inspect, staging, options)
        summary = _read_summary(staging)
        _replace_results(staging, output_dir)
    finally:  # success or not, no temporary folder (nor Beam's beam-temp-*) stays behind
        _remove(staging)
        if not existed:
            _remove_if_empty(output_dir)
    return summary


def failure_files(output_dir: str) -> list[str]:
    """The non-empty ``failures-*.jsonl`` shards of a run's results."""
    pattern = FileSystems.join(output_dir, "failures-*.jsonl")
    return [m.path for m in _match(pattern) if m.size_in_bytes]


def _refuse_earlier_results(output_dir: str, overwrite: bool) -> None:
    if "://" not in output_dir and os.path.isfile(output_dir):
        raise ValueError(f"--output {output_dir} is a file; give a folder for the results")
    earlier = _result_files(output_dir)
    if earlier and not overwrite:
        raise ValueError(
            f"--output {output_dir} holds results of an earlier run ({os.path.basename(earlier[0])}"
            ", ...); choose another folder or pass --overwrite"
        )


def _check_inputs(pattern: str | None, pairs_csv: str | None) -> list | None:
    """The jobs of a pairs CSV (None for a pattern), once the inputs make sense."""
    from tfdefect.inference.folder_prediction import read_pairs_csv

    if pattern and pairs_csv:
        raise ValueError("give a file pattern or --pairs, not both")
    if pairs_csv:
        return [(name, test, reference) for reference, test, name in read_pairs_csv(pairs_csv)]
    if not pattern:
        raise ValueError('no images given: pass a file pattern such as "/data/*.png" or --pairs')
    if not _match(pattern, limit=1):
        raise ValueError(f"{pattern}: the pattern matches no file")
    return None


def _model_metadata(model_path: str):
    from tfdefect.inference.runtimes import open_runtime

    metadata = open_runtime(model_path).metadata
    if not metadata.image_inputs:
        raise ValueError(f"{model_path}: metadata lists no image input")
    return metadata


def _channels(metadata) -> int:
    return int(metadata.image_inputs[0]["shape"][-1])


def _check_model_options(model_path, metadata, pairs_csv, position_id) -> None:
    """Refuse options the model does not take: a pair model needs ``--pairs``, a
    cached-reference one ``--position-id`` (within its positions), a single-image model
    neither."""
    if metadata.task != PAIR_TASK:
        if pairs_csv or position_id is not None:
            raise ValueError(
                f"{model_path}: a {metadata.task} model takes single images, "
                "not --pairs or --position-id"
            )
        return
    if "position_id" in {spec["name"] for spec in metadata.inputs}:
        _check_position(model_path, metadata, pairs_csv, position_id)
    elif not pairs_csv or position_id is not None:
        raise ValueError(
            f"{model_path}: a pair model needs --pairs CSV (columns reference,test), "
            "without --position-id"
        )


def _check_position(model_path, metadata, pairs_csv, position_id) -> None:
    if position_id is None or pairs_csv:
        raise ValueError(
            f"{model_path}: a cached-reference pair model needs --position-id and a file "
            "pattern of test images, not --pairs"
        )
    from tfdefect.inference.predictor import check_position_ids

    check_position_ids(metadata, [position_id])


def _jobs(pattern: str | None, pairs: list | None) -> beam.PTransform:
    """The transform from a pipeline's start to jobs (name, test path, reference or None)."""
    return "Pairs" >> beam.Create(pairs) if pairs is not None else "Files" >> _MatchJobs(pattern)


class _MatchJobs(beam.PTransform):
    """Pipeline start -> a job (path below the pattern's folder, path, None) per matched file."""

    def __init__(self, pattern: str):
        super().__init__()
        self.pattern = pattern

    def expand(self, start):
        base = _pattern_base(self.pattern)
        return (
            start
            | "Match" >> fileio.MatchFiles(self.pattern, fileio.EmptyMatchTreatment.DISALLOW)
            | "Jobs" >> beam.Map(_file_job, base)
        )


def _file_job(match, base: str) -> tuple:
    return _relative(match.path, base), match.path, None


def _run_pipeline(jobs, inspect, folder: str, options: PipelineOptions) -> None:
    """Write ``predictions-*.jsonl``, ``failures-*.jsonl`` and ``summary.json`` to
    ``folder``; raise if the pipeline fails."""
    with beam.Pipeline(options=options) as pipeline:
        results = pipeline | jobs | "Inspect" >> inspect
        predictions, failures = results["predictions"], results[FAILURES]
        for name, collection in (("predictions", predictions), ("failures", failures)):
            _ = (
                collection
                | f"Json {name}" >> beam.Map(json.dumps)
                | f"Write {name}"
                >> beam.io.WriteToText(
                    FileSystems.join(folder, name),
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
            >> beam.io.WriteToText(FileSystems.join(folder, SUMMARY), shard_name_template="")
        )


def _read_summary(folder: str) -> dict:
    with FileSystems.open(FileSystems.join(folder, SUMMARY)) as handle:
        return json.loads(handle.read().decode())


def _replace_results(staging: str, output_dir: str) -> None:
    """Move the new results from ``staging`` into ``output_dir`` in place of the earlier
    ones, which wait in a backup folder until the move is done (and come back if it fails)."""
    new = _result_files(staging)
    backup = _new_folder(output_dir, ".old")
    try:
        _move(_result_files(output_dir), backup)
    except Exception:
        _restore(backup, output_dir)
        raise
    try:
        _move(new, output_dir)
    except Exception:
        _delete(_result_files(output_dir))  # the new ones: the earlier ones are in backup
        _restore(backup, output_dir)
        raise
    _remove(backup)


def _restore(backup: str, output_dir: str) -> None:
    _move(_result_files(backup), output_dir)
    _remove(backup)


def _move(paths: list[str], folder: str) -> None:
    for path in paths:
        target = FileSystems.join(folder, FileSystems.split(path)[1])
        FileSystems.rename([path], [target])


def _delete(paths: list[str]) -> None:
    if paths:
        FileSystems.delete(paths)


def _new_folder(parent: str, prefix: str) -> str:
    """A fresh folder ``<parent>/<prefix>-<pid>-<random>`` (created where the filesystem has
    folders)."""
    folder = FileSystems.join(parent, f"{prefix}-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    FileSystems.mkdirs(folder)
    return folder


def _remove(folder: str) -> None:
    """Delete a folder of ours and all in it (on object stores: every object under it)."""
    path = folder.rstrip("/") + "/" if "://" in folder else folder
    try:
        FileSystems.delete([path])
    except BeamIOError as error:  # nothing there (object stores make no empty folders)
        _LOG.debug("nothing removed at %s: %s", path, error)


def _remove_if_empty(folder: str) -> None:
    """Remove a local output folder this run created and left empty."""
    if os.path.isdir(folder) and not os.listdir(folder):
        os.rmdir(folder)


def _result_files(folder: str) -> list[str]:
    return [m.path for p in OUTPUT_PATTERNS for m in _match(FileSystems.join(folder, p))]


def _match(pattern: str, limit: int | None = None) -> list:
    """The files ``pattern`` matches ([] when its folder does not exist)."""
    try:
        return FileSystems.match([pattern], limits=[limit])[0].metadata_list
    except BeamIOError:  # an output folder that does not exist yet
        return []


def _pattern_base(pattern: str) -> str:
    """The folder part of a glob before its first wildcard."""
    cut = min((pattern.find(c) for c in "*?[" if c in pattern), default=len(pattern))
    return pattern[:cut].rsplit("/", 1)[0] if "/" in pattern[:cut] else ""


def _relative(path: str, base: str) -> str:
    return path[len(base) :].lstrip("/") if base and path.startswith(base) else path
