"""``tfdefect predict``: predict files and folders into a results folder.

Writes ``predictions.jsonl`` (one JSON object per image: path, name, task fields),
``predictions.csv`` (the scalar fields), ``failures.jsonl`` (unreadable inputs with the
reason) and ``pictures/<name>.png``. Names keep each input's path relative to the folder
it was found in, so no output overwrites another.
"""

from __future__ import annotations

import csv
import json
import os
import sys

from tfdefect.export.atomic import atomic_write_text
from tfdefect.inference.image_io import ImageReadError, display_image, list_image_files
from tfdefect.progress import progress_bar

RESULT_FILES = ("predictions.jsonl", "predictions.csv", "failures.jsonl")


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

    Returns a summary: ``images``, ``failures``, ``verdicts`` (count per verdict),
    ``output`` paths.
    """
    from tfdefect.viz.prediction_pictures import plot_prediction

    check_output_folder(output_dir, overwrite)
    pair_task = predictor.task == "pair_classification"
    cached = pair_task and any(s["name"] == "position_id" for s in predictor.metadata.inputs)
    if pairs_csv:
        jobs = [(test, name, ref) for ref, test, name in read_pairs_csv(pairs_csv)]
    else:
        if not inputs:
            raise ValueError("no input images given")
        jobs = [(path, name, reference) for path, name in list_image_files(inputs)]
    if pair_task and not cached and any(ref is None for _, _, ref in jobs):
        raise ValueError("a pair model needs --reference IMAGE or --pairs CSV")
    if cached and position_id is None:
        raise ValueError("a cached-reference model needs --position-id (see its metadata)")
    os.makedirs(output_dir, exist_ok=True)
    records, failures, verdicts = [], [], {}
    map_scale = predictor.metadata.extra.get("map_scale")
    map_threshold = predictor.metadata.map_threshold
    if map_scale is None and map_threshold:
        map_scale = 2.0 * map_threshold
    channel = predictor.metadata.extra.get("display_channel")
    bar = _progress(len(jobs), progress)
    cache: dict[str, object] = {}
    for start in range(0, len(jobs), predictor.batch_size):
        batch = jobs[start : start + predictor.batch_size]
        chunk, images, references = [], [], []
        for path, name, ref in batch:
            try:
                image = predictor.read(path)
                if ref is not None:
                    if ref not in cache:
                        cache[ref] = predictor.read(ref)
                    references.append(cache[ref])
            except ImageReadError as error:
                failures.append({"image": path, "name": name, "error": str(error)})
                print(f"skipped {path}: {error}", file=sys.stderr)
                continue
            chunk.append((path, name))
            images.append(image)
        if images:
            results = predictor.predict(
                images,
                reference=references or None,
                position_id=position_id if cached else None,
            )
            for i, ((path, name), image, result) in enumerate(
                zip(chunk, images, results, strict=True)
            ):
                record = {"image": path, "name": name, **result.to_dict()}
                if pictures:
                    picture = os.path.join("pictures", os.path.splitext(name)[0] + ".png")
                    plot_prediction(
                        display_image(image, channel),
                        result,
                        os.path.join(output_dir, picture),
                        reference=display_image(references[i], channel) if references else None,
                        map_scale=map_scale,
                    )
                    record["picture"] = picture
                records.append(record)
                verdicts[result.verdict] = verdicts.get(result.verdict, 0) + 1
        bar.update(len(batch))
    bar.close()
    jsonl = os.path.join(output_dir, "predictions.jsonl")
    atomic_write_text(jsonl, "".join(json.dumps(r) + "\n" for r in records))
    atomic_write_text(
        os.path.join(output_dir, "failures.jsonl"), "".join(json.dumps(f) + "\n" for f in failures)
    )
    csv_path = os.path.join(output_dir, "predictions.csv")
    rows = [_csv_row(r) for r in records]
    fields = list(dict.fromkeys(k for row in rows for k in row)) or ["image"]
    with open(csv_path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return {
        "images": len(records),
        "failures": len(failures),
        "verdicts": verdicts,
        "predictions": jsonl,
        "csv": csv_path,
    }


def _progress(total: int, enabled: bool):
    return progress_bar(total, "predict", unit="image", enabled=enabled)
