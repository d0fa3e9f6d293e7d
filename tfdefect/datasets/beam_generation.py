"""Manual configs that generate through Apache Beam when TFDS is given Beam options.

``tfds build datasets/<name> --manual_dir D --beam_pipeline_options=direct_num_workers=2,...``
(or ``DownloadConfig(beam_options=...)``) runs the per-file reading as a Beam transform over
the file list, on whichever runner the options name; without Beam options the same
function runs as a plain generator, so both builds hold the same examples.
"""

from __future__ import annotations


class BeamWhenAsked:
    """Mixin for a TFDS builder: remembers whether this build was given Beam options."""

    generate_with_beam = False

    def _download_and_prepare(self, dl_manager, download_config=None):
        self.generate_with_beam = bool(
            download_config is not None
            and (download_config.beam_options is not None or download_config.beam_runner)
        )
        return super()._download_and_prepare(dl_manager, download_config)


def examples_over(records, make_example, with_beam: bool):
    """``make_example(record) -> (key, example)`` over ``records``: a generator, or with
    ``with_beam`` a Beam PTransform (Create -> Reshuffle -> Map) that TFDS applies to its
    pipeline. ``make_example`` must be picklable (a module-level function or a partial)."""
    records = list(records)
    if not with_beam:
        return (make_example(record) for record in records)
    import apache_beam as beam

    return beam.Create(records) | "Spread" >> beam.Reshuffle() | "Read" >> beam.Map(make_example)
