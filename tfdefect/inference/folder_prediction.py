"""``tfdefect predict``: predict files and folders into a results folder.

Writes ``predictions.jsonl`` (one JSON object per image: path, name, task fields; a
detection's ``box`` is ``[x_min, y_min, x_max, y_max]`` pixels of the input image, named in
each record's ``box_format``), ``predictions.csv`` (the scalar fields), ``failures.jsonl``
(inputs that could not be read or predicted: ``image``, ``name``, ``reason``, as
``batch-predict`` writes them) and ``pictures/<name>.png`` (``<name>`` keeps its
extension). A detection model also writes COCO files: ``coco_results.json`` (the list
pycocotools' ``COCO.loadRes`` reads: ``image_id``, ``category_id``, ``bbox`` [x, y, width,
height] pixels, ``score``, ``segmentation`` RLE) and ``coco_images.json`` (its ``images``
with ids, file names and sizes, and ``categories``). Names keep each input's path relative
to the folder it was found in, so no output overwrites another.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import shutil
import tempfile

from tfdefect.atomic_files import make_temp_dir, remove_stale_temp_dirs
from tfdefect.inference.image_io import ImageReadError, display_image, list_image_files
from tfdefect.inference.predictor import check_position_ids, failure_reason
from tfdefect.progress import progress_bar

logger = logging.getLogger(__name__)

RESULT_FILES = (
    "predictions.jsonl",
    "predictions.csv",
    "failures.jsonl",
    "coco_results.json",
    "coco_images.json",
)
PICTURES = "pictures"


def check_output_folder(output_dir: str, overwrite: bool) -> None:
    """Refuse an output that is a file, or a folder holding an earlier run's results."""
    if os.path.isfile(output_dir):
        raise ValueError(f"--output {output_dir} is a file; give a folder for the results")
    stale = [n for n in RESULT_FILES if os.path.exists(os.path.join(output_dir, n))]
    if stale and not overwrite:
        raise ValueError(
            f"--output {output_dir} holds results of an earlier run ({', '.join(stale)}); "
            "choose another folder or pass --overwrite"
        )


def read_pairs_csv(path: str) -> list[tuple[str, str, str]]:
    """(reference, test, name) rows of a CSV with columns ``reference`` and ``test`` (paths
    relative to the CSV's folder unless absolute)."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{path}: no such pairs CSV")
    folder = os.path.dirname(os.path.abspath(path))
    with open(path, newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        missing = {"reference", "test"} - set(reader.fieldnames or [])
        if missing:
            raise ValueError(f"{path}: missing columns {sorted(missing)} (needs reference, test)")
        rows = []
        for number, row in enumerate(reader, start=2):
            if not row.get("reference") or not row.get("test"):
                raise ValueError(f"{path} line {number}: empty reference or test")
            reference, test = (os.path.join(folder, row[k]) for k in ("reference", "test"))
            rows.append((reference, test, f"{number - 1:05d}_{os.path.basename(test)}"))
    if not rows:
        raise ValueError(f"{path}: no pairs")
    return rows


def _csv_row(record: dict) -> dict:
    row = {k: v for k, v in record.items() if not isinstance(v, (dict, list))}
    for key in ("counts", "pixel_counts", "probabilities", "defect_probabilities"):
        for name, value in (record.get(key) or {}).items():
            row[f"{key}.{name}"] = value
    return row


class _ResultWriter:
    """Writes a run's records as they come: ``predictions.jsonl`` and ``failures.jsonl``
    are appended and flushed after every image, so an interrupted run keeps what it
    scored; ``predictions.csv`` is written at the end."""

    def __init__(self, folder: str, class_names=()):
        self.folder = folder
        self.class_names = list(class_names)
        self.records: list[dict] = []
        self.coco_images: list[dict] = []
        self.coco_results: list[dict] = []
        self.failures = 0
        self._predictions = open(os.path.join(folder, "predictions.jsonl"), "w")
        self._failures = open(os.path.join(folder, "failures.jsonl"), "w")

    def record(self, record: dict, result=None) -> None:
        self._predictions.write(json.dumps(record) + "\n")
        self._predictions.flush()
        self.records.append(record)
        if hasattr(result, "to_coco"):
            image_id = len(self.coco_images) + 1
            height, width = result.image_size
            self.coco_images.append(
                {"id": image_id, "file_name": record["name"], "height": height, "width": width}
            )
            self.coco_results.extend(result.to_coco(image_id))

    def failure(self, path: str, name: str, error: BaseException) -> None:
        reason = failure_reason(error)
        self._failures.write(json.dumps({"image": path, "name": name, "reason": reason}) + "\n")
        self._failures.flush()
        self.failures += 1
        logger.warning(f"skipped {path}: {reason}")

    def close(self) -> None:
        self._predictions.close()
        self._failures.close()
        rows = [_csv_row(r) for r in self.records]
        fields = list(dict.fromkeys(k for row in rows for k in row)) or ["image"]
        with open(os.path.join(self.folder, "predictions.csv"), "w", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields)
            writer.writeheader()
            writer.writerows(rows)
        if self.coco_images:
            self._write_coco()

    def _write_coco(self) -> None:
        categories = [
            {"id": index, "name": name}
            for index, name in enumerate(self.class_names)
            if index > 0  # 0 is the background
        ]
        images = {
            "info": {"description": "tfdefect predict", "bbox": "[x, y, width, height] pixels"},
            "images": self.coco_images,
            "categories": categories,
        }
        with open(os.path.join(self.folder, "coco_images.json"), "w") as handle:
            json.dump(images, handle)
        with open(os.path.join(self.folder, "coco_results.json"), "w") as handle:
            json.dump(self.coco_results, handle)


def _replace_results(stage: str, output_dir: str) -> None:
    """Put a finished run's results (files and ``pictures/``) from ``stage`` in place of
    the earlier ones in ``output_dir``, each renamed aside before the new one moves in and
    deleted after; nothing else in ``output_dir`` is touched."""
    aside = tempfile.mkdtemp(dir=output_dir, prefix=f".old-results-{os.getpid()}-")
    for name in (*RESULT_FILES, PICTURES):
        old = os.path.join(output_dir, name)
        if os.path.lexists(old):
            os.rename(old, os.path.join(aside, name))
        new = os.path.join(stage, name)
        if os.path.lexists(new):
            os.rename(new, old)
    shutil.rmtree(aside, ignore_errors=True)


def predict_to_folder(
    predictor,
    inputs,
    output_dir: str,
    *,
    reference: str | None = None,
    pairs_csv: str | None = None,
    position_id: int | None = None,
    overwrite: bool = False,
    pictures: bool = True,
    progress: bool = True,
) -> dict:
    """Predict every input image and write the results folder (see the module docstring).

    A file that cannot be read or predicted is recorded in ``failures.jsonl`` with the
    reason and the run goes on. With ``overwrite``, the new results are written beside the
    earlier ones and replace them (pictures included) only when the run has finished; a
    run that fails keeps the earlier results.

    Returns a summary: ``images``, ``failures``, ``verdicts`` (count per verdict),
    ``output`` paths.
    """
    check_output_folder(output_dir, overwrite)
    pair_task = predictor.task == "pair_classification"
    cached = pair_task and any(s["name"] == "position_id" for s in predictor.metadata.inputs)
    if pairs_csv:
        jobs = [(test, name, ref) for ref, test, name in read_pairs_csv(pairs_csv)]
    else:
        if not inputs:
            raise ValueError("no input images given")
        channel_names = predictor.metadata.extra.get("channel_names")
        listed = list_image_files(  # never its own pictures
            inputs, exclude=[output_dir], channel_names=channel_names
        )
        jobs = [(path, name, reference) for path, name in listed]
    if pair_task and not cached and any(ref is None for _, _, ref in jobs):
        raise ValueError("a pair model needs --reference IMAGE or --pairs CSV")
    if cached and position_id is None:
        raise ValueError("a cached-reference model needs --position-id (see its metadata)")
    if cached:
        check_position_ids(predictor.metadata, [position_id])
    os.makedirs(output_dir, exist_ok=True)
    remove_stale_temp_dirs(output_dir, prefixes=(".tmp-results-", ".old-results-"))
    earlier = any(os.path.lexists(os.path.join(output_dir, n)) for n in RESULT_FILES)
    stage = make_temp_dir(output_dir, "results") if earlier else output_dir
    try:
        writer = _ResultWriter(stage, predictor.class_names)
        verdicts = _predict_jobs(
            predictor, jobs, writer, stage, position_id, cached, pictures, progress
        )
        writer.close()
        if stage != output_dir:
            _replace_results(stage, output_dir)
    finally:
        if stage != output_dir:
            shutil.rmtree(stage, ignore_errors=True)
    return {
        "images": len(writer.records),
        "failures": writer.failures,
        "verdicts": verdicts,
        "predictions": os.path.join(output_dir, "predictions.jsonl"),
        "csv": os.path.join(output_dir, "predictions.csv"),
    }


def _predict_jobs(predictor, jobs, writer, folder, position_id, cached, pictures, progress):
    """Read, predict and record ``jobs`` batch by batch; returns the count per verdict."""
    verdicts: dict[str, int] = {}
    bar = _progress(len(jobs), progress)
    cache: dict[str, object] = {}
    for start in range(0, len(jobs), predictor.batch_size):
        batch = jobs[start : start + predictor.batch_size]
        chunk = []
        for path, name, ref in batch:
            try:
                image = predictor.read(path)
                if ref is not None and ref not in cache:
                    cache[ref] = predictor.read(ref)
            except ImageReadError as error:
                writer.failure(path, name, error)
                continue
            chunk.append((path, name, image, cache[ref] if ref is not None else None))
        for (path, name, image, ref_image), outcome in zip(
            chunk, _predict_each(predictor, chunk, position_id if cached else None), strict=True
        ):
            if isinstance(outcome, Exception):
                writer.failure(path, name, outcome)
                continue
            record = {"image": path, "name": name, **outcome.to_dict()}
            if pictures:
                record["picture"] = _picture(predictor, folder, name, image, ref_image, outcome)
            writer.record(record, outcome)
            verdicts[outcome.verdict] = verdicts.get(outcome.verdict, 0) + 1
        bar.update(len(batch))
    bar.close()
    return verdicts


def _predict_each(predictor, chunk, position_id) -> list:
    """One result or exception per item of ``chunk`` (``Predictor.predict_each``)."""
    if not chunk:
        return []
    references = [ref for *_, ref in chunk if ref is not None]
    return predictor.predict_each(
        [image for _, _, image, _ in chunk],
        reference=references or None,
        position_id=position_id,
    )


def _picture(predictor, folder, name, image, ref_image, result) -> str:
    """Draw the picture of one result; its path relative to the results folder. Named after
    the input's whole name (``x.png`` and ``x.jpg`` get ``x.png.png`` and ``x.jpg.png``)."""
    from tfdefect.viz.prediction_pictures import plot_prediction

    metadata = predictor.metadata
    map_scale = metadata.extra.get("map_scale")
    if map_scale is None and metadata.map_threshold:
        map_scale = 2.0 * metadata.map_threshold
    channel = metadata.extra.get("display_channel")
    picture = os.path.join(PICTURES, name + ".png")
    plot_prediction(
        display_image(image, channel),
        result,
        os.path.join(folder, picture),
        reference=display_image(ref_image, channel) if ref_image is not None else None,
        map_scale=map_scale,
    )
    return picture


def _progress(total: int, enabled: bool):
    return progress_bar(total, "predict", unit="image", enabled=enabled)
