"""``DatasetConfig``: the ``data.`` part of every recipe config."""

from __future__ import annotations

import dataclasses
import os
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
    # what the builder demands of ``class_names`` (subclasses having that field): the names
    # the synthetic renderer draws (other names need manual_dir), how many, and which must
    # be among them
    rendered_class_names: ClassVar[tuple[str, ...] | None] = None
    class_count: ClassVar[int | None] = None
    required_class_names: ClassVar[tuple[str, ...]] = ()

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

    def check_settings(self, filesystem: bool = True) -> None:
        """Raise ConfigError (naming the ``data.`` key) for settings the builder would refuse
        only while building: class names it cannot take, what the renderer settings' own
        checks refuse (``builder_settings``) and, with ``filesystem``, a manual_dir that is
        not a folder."""
        from tfdefect.config import ConfigError

        manual_dir = self.manual_dir
        if filesystem and manual_dir and not os.path.isdir(os.path.expanduser(manual_dir)):
            raise ConfigError(f"data.manual_dir {self.manual_dir}: no such folder")
        if hasattr(self, "class_names"):
            self._check_class_names(tuple(self.class_names))
        try:
            self.builder_settings()
        except ValueError as error:
            raise ConfigError(f"data: {error}") from None

    def _check_class_names(self, names: tuple[str, ...]) -> None:
        from tfdefect.config import ConfigError
        from tfdefect.datasets.class_names import require_synthetic_classes

        def refuse(reason):
            raise ConfigError(f"data.class_names {list(names)}: {reason}")

        if not names or any(not name.strip() for name in names):
            refuse("give one or more names, none of them empty")
        if len(set(names)) != len(names):
            refuse("names must be distinct")
        if self.class_count is not None and len(names) != self.class_count:
            refuse(f"give {self.class_count} names")
        missing = [name for name in self.required_class_names if name not in names]
        if missing:
            refuse(f"must include {', '.join(missing)}")
        if self.rendered_class_names is not None and not self.manual_dir:
            try:
                require_synthetic_classes(self.dataset_name, names, self.rendered_class_names)
            except ValueError as error:
                raise ConfigError(f"data.class_names: {error}") from None

    def config_name(self) -> str:
        """The prefix of the prepared config's keyed name."""
        return "manual" if self.manual_dir else "synthetic"

    def prepare(self):
        """The prepared TFDS builder (built once per distinct inputs; see
        ``tfdefect.datasets.prepare``)."""
        from tfdefect.config_rules import check_config_values
        from tfdefect.datasets.prepare import prepare_dataset

        check_config_values(self)
        return prepare_dataset(
            self.dataset_name,
            self.builder_settings(),
            self.data_dir,
            self.manual_dir,
            self.rebuild,
            self.config_name(),
        )
