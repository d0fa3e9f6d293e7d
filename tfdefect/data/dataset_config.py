"""``DatasetConfig``: the ``data.`` part of every recipe config."""

from __future__ import annotations

import dataclasses
from typing import ClassVar


@dataclasses.dataclass
class DatasetConfig:
    """Where a dataset lives and which one; subclasses add the builder config's own fields
    (same names), so ``data.<field>`` means the same thing in a recipe and in
    ``tfdefect build-dataset <name> --set <field>=...``.

    Attributes:
        data_dir: TFDS data folder.
        manual_dir: folder of your own data; set, the builder's ``manual`` reader is used.
        rebuild: build the dataset again even if it was prepared from the same inputs.
    """

    dataset_name: ClassVar[str] = ""

    data_dir: str = "~/tensorflow_datasets"
    manual_dir: str | None = None
    rebuild: bool = False

    def builder_settings(self) -> dict:
        """The builder config's fields: everything but the three location fields above."""
        location = {field.name for field in dataclasses.fields(DatasetConfig)}
        return {
            field.name: getattr(self, field.name)
            for field in dataclasses.fields(self)
            if field.name not in location
        }

    def config_name(self) -> str:
        """The prefix of the prepared config's keyed name."""
        return "manual" if self.manual_dir else "synthetic"

    def prepare(self):
        """The prepared TFDS builder (built once per distinct inputs; see
        ``tfdefect.datasets.prepare``)."""
        from tfdefect.config_rules import check_config_values
        from tfdefect.data.prepared_builder import prepare_dataset

        check_config_values(self)
        return prepare_dataset(
            self.dataset_name,
            self.builder_settings(),
            self.data_dir,
            self.manual_dir,
            self.rebuild,
            self.config_name(),
        )
