"""The shared front of every recipe: one set of arguments, one way from them to a config.

Nothing here imports TensorFlow, so ``--help`` answers at once (a recipe validating its
config may import its model family afterwards; checking a served model name imports
``tfdefect.export``). What a run will write is checked before it starts (``check_outputs``:
folders that cannot be created, served model names that are not valid).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
from collections.abc import Callable

from tfdefect.config import ConfigError, apply_overrides, config_from_dict, to_json
from tfdefect.config_rules import check_config_values
from tfdefect.training.strategy import STRATEGIES


@dataclasses.dataclass(frozen=True)
class RecipeOption:
    """A recipe's own flag: argparse settings and what a given value does.

    Attributes:
        flags: the option strings (``--models``).
        field: the config field the value is written to when given (``--print-config``
            then shows it); None: a run argument, passed to the recipe's steps by ``dest``.
        convert: applied to the parsed value before it is written.
        settings: the remaining ``add_argument`` keywords.
    """

    flags: tuple[str, ...]
    field: str | None
    convert: Callable | None
    settings: dict

    @property
    def dest(self) -> str:
        return self.settings.get("dest") or self.flags[0].lstrip("-").replace("-", "_")

    def add_to(self, parser: argparse.ArgumentParser) -> None:
        parser.add_argument(*self.flags, **self.settings)

    def apply(self, args, config) -> None:
        """Write the given value (not None, not False) to ``config.<field>``."""
        value = getattr(args, self.dest)
        if self.field is None or value is None or value is False:
            return
        setattr(config, self.field, self.convert(value) if self.convert else value)


def option(*flags: str, field: str | None = None, convert=None, **settings) -> RecipeOption:
    """A RecipeOption: ``option("--freeze", field="freeze", help=...)``."""
    return RecipeOption(tuple(flags), field, convert, settings)


def recipe_parser(name: str, description: str, quick_help: str) -> argparse.ArgumentParser:
    """An argparse parser with the arguments every recipe takes (add your own after)."""
    parser = argparse.ArgumentParser(
        prog=f"tfdefect recipe {name}",
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help=quick_help)
    parser.add_argument(
        "--config", metavar="FILE", help="start from a JSON config (what --print-config writes)"
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a config field (dotted for nested ones; --print-config lists them)",
    )
    parser.add_argument("--workdir", help="run folder for results, checkpoints and plots")
    parser.add_argument(
        "--strategy",
        choices=STRATEGIES,
        default="default",
        help="tf.distribute strategy (multi_worker reads the cluster from TF_CONFIG)",
    )
    parser.add_argument(
        "--rebuild", action="store_true", help="build the dataset again even if prepared"
    )
    parser.add_argument(
        "--overwrite",
        type=int,
        metavar="VERSION",
        help="replace this published version instead of publishing the next free one",
    )
    parser.add_argument(
        "--serving-root",
        help="folder the export dir is mounted at for TF Serving (e.g. /models); "
        "models.config base paths are written under it",
    )
    parser.add_argument(
        "--print-config", action="store_true", help="print the resolved config as JSON and exit"
    )
    parser.add_argument(
        "--debug", action="store_true", help="show the Python traceback of an error"
    )
    add_console_flags(parser)
    return parser


def add_console_flags(parser: argparse.ArgumentParser) -> None:
    """``--quiet`` (errors only) and ``--verbose`` (debug lines too), one or the other."""
    chatter = parser.add_mutually_exclusive_group()
    chatter.add_argument(
        "--quiet", action="store_true", help="print errors only (no progress, no results)"
    )
    chatter.add_argument("--verbose", action="store_true", help="print debug lines too")


def resolve_config(args, default_config, quick_config=None):
    """The recipe's config: ``--quick`` (or the default), then ``--config FILE``, then the
    ``--set`` overrides, then ``--workdir``, ``--rebuild``, ``--overwrite`` (sets
    ``export.overwrite``), ``--serving-root`` (``export.serving_root``); every value checked
    against its rule (``tfdefect.config_rules``)."""
    config = quick_config() if args.quick and quick_config else default_config()
    if args.config:
        try:
            with open(args.config) as handle:
                fields = json.load(handle)
        except (OSError, json.JSONDecodeError) as error:
            raise ConfigError(f"--config {args.config}: cannot read it ({error})") from None
        config = config_from_dict(config, fields, source=args.config)
    config = apply_overrides(config, args.overrides)
    if args.workdir:
        config.workdir = args.workdir
    if args.overwrite is not None:
        config.export = dataclasses.replace(config.export, overwrite=args.overwrite)
    if args.serving_root:
        config.export = dataclasses.replace(config.export, serving_root=args.serving_root)
    if args.rebuild:
        data = config.data if hasattr(config, "data") else config
        data.rebuild = True
    check_config_values(config)
    return config


def print_config(config) -> None:
    print(to_json(config))


@dataclasses.dataclass(frozen=True)
class RunOutputs:
    """What a run will write, checked before it starts.

    Attributes:
        folders: config key (or flag) -> folder the run creates or writes into.
        exports: the served model names it publishes under ``config.export.dir``.
    """

    folders: dict[str, str]
    exports: tuple[str, ...] = ()


def default_outputs(config, run_arguments: dict) -> RunOutputs:
    """``workdir`` (and ``ckp``) always; ``export.name`` under ``export.dir`` unless
    ``export.enabled`` is False (a config without an ``export`` publishes nothing)."""
    folders = {
        key: getattr(config, key) for key in ("workdir", "ckp") if getattr(config, key, None)
    }
    export = getattr(config, "export", None)
    if export is None or not export.enabled:
        return RunOutputs(folders)
    folders["export.dir"] = export.dir
    return RunOutputs(folders, (export.name,))


def check_outputs(config, outputs: RunOutputs, filesystem: bool = True) -> None:
    """Refuse served model names TF Serving or a URL path would not take; with
    ``filesystem``, also folders that cannot be created or written, and an
    ``export.overwrite`` version that is not there to replace. Creates nothing."""
    check_export_names(outputs.exports)
    if not filesystem:
        return
    for key, path in outputs.folders.items():
        check_writable_folder(path, key)
    version = config.export.overwrite if outputs.exports else None
    for name in outputs.exports if version is not None else ():
        folder = os.path.join(config.export.dir, name, str(version))
        if not os.path.isdir(folder):
            raise ConfigError(
                f"--overwrite {version}: {folder} does not exist (nothing to replace)"
            )


def check_export_names(names) -> None:
    """ConfigError for the first of ``names`` that is not a valid served model name (its
    version folders and models.config entry are made from it: ``../x`` would escape
    export.dir)."""
    if not names:
        return
    from tfdefect.export.serving_config import validate_model_name

    for name in names:
        try:
            validate_model_name(name)
        except ValueError as error:
            raise ConfigError(f"export.name: {error}") from None


def check_writable_folder(path: str, key: str) -> None:
    """ConfigError unless ``path`` is a writable folder, or does not exist yet and its
    nearest existing parent is a writable folder (so that it can be created). Creates
    nothing."""
    target = os.path.abspath(path)
    existing = target
    while not os.path.lexists(existing):
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        where = "it is" if existing == target else f"{existing} is"
        raise ConfigError(f"{key} {path}: {where} a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        where = "it" if existing == target else f"its parent {existing}"
        raise ConfigError(f"{key} {path}: {where} is not writable")
