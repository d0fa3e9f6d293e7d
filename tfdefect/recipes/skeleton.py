"""``Recipe``: the one skeleton behind every ``tfdefect recipe <name>``.

A recipe module declares its config dataclass, its ``--quick`` config, its own flags and
checks, and where its steps live; ``Recipe`` does the rest the same way for all: the shared
arguments (``tfdefect.recipes.front``), config resolution, ``--print-config``, the
tf.distribute strategy, a one-line error for a bad config, and the wall time. TensorFlow is
imported only after the arguments are parsed and checked (``--help`` answers at once).
"""

from __future__ import annotations

import dataclasses
import importlib
import sys
import time
from collections.abc import Callable

from tfdefect.config import ConfigError
from tfdefect.console import hide_tensorflow_startup
from tfdefect.errors import USER_ERRORS, report_user_error
from tfdefect.recipes.front import (
    RecipeOption,
    check_outputs,
    default_outputs,
    print_config,
    recipe_parser,
    resolve_config,
)


@dataclasses.dataclass(frozen=True)
class Recipe:
    """One recipe's declaration.

    Attributes:
        name: ``tfdefect recipe <name>``.
        description: the ``--help`` text (the recipe module's docstring).
        quick_help: what ``--quick`` does, in a few words.
        default_config / quick_config: callables returning the recipe's config dataclass.
        steps: ``"module:function"`` run as ``function(config, strategy, **run_arguments)``
            (``function(config, **run_arguments)`` when ``trains`` is False), imported only
            after parsing; run arguments are the options declared without a config field.
        options: the recipe's own flags (``front.option``).
        check: ``check(config)`` raising ConfigError on settings the recipe cannot run.
        trains: False for a recipe without a training loop (``--strategy`` must stay default).
        outputs: ``outputs(config, run_arguments) -> front.RunOutputs``, the folders the run
            writes and the model names it publishes, checked before it starts (default
            ``front.default_outputs``: workdir, ckp, export.dir and export.name).
        optional_export: the steps honour ``export.enabled=false`` (publish nothing);
            False: the recipe always publishes and refuses it.
    """

    name: str
    description: str
    quick_help: str
    default_config: Callable
    quick_config: Callable
    steps: str
    options: tuple[RecipeOption, ...] = ()
    check: Callable | None = None
    trains: bool = True
    outputs: Callable | None = None
    optional_export: bool = False

    def configure(self, argv=None):
        """(config, parsed arguments) of ``argv``; raises ConfigError on a bad config: a
        value of the wrong type or breaking its rule, the recipe's own check, the data's
        settings, an invalid served model name, and (unless ``--print-config``) a missing
        manual_dir or an output folder that cannot be created or written. Nothing is
        created."""
        parser = recipe_parser(self.name, self.description, self.quick_help)
        for recipe_option in self.options:
            recipe_option.add_to(parser)
        args = parser.parse_args(argv)
        # before any check imports TensorFlow: its start-up lines hidden (--help is answered)
        hide_tensorflow_startup()
        config = resolve_config(args, self.default_config, self.quick_config)
        for recipe_option in self.options:
            recipe_option.apply(args, config)
        if not self.trains and args.strategy != "default":
            raise ConfigError(
                f"--strategy {args.strategy}: {self.name} has no training loop to distribute"
            )
        if self.check is not None:
            self.check(config)
        self.check_export(config)
        filesystem = not args.print_config  # a printed config may be meant for elsewhere
        data = getattr(config, "data", None)
        if hasattr(data, "check_settings"):
            data.check_settings(filesystem)
        outputs = (self.outputs or default_outputs)(config, self.run_arguments(args))
        check_outputs(config, outputs, filesystem)
        return config, args

    def check_export(self, config) -> None:
        """Refuse ``export.enabled=false`` where the steps always publish."""
        export = getattr(config, "export", None)  # a config without one publishes nothing
        if export is not None and not export.enabled and not self.optional_export:
            raise ConfigError(
                f"export.enabled=false: {self.name} always publishes its model "
                "(its report and later steps use the published files)"
            )

    def run_arguments(self, args) -> dict:
        """The parsed values of the options declared without a config field, by ``dest``."""
        return {o.dest: getattr(args, o.dest) for o in self.options if o.field is None}

    def main(self, argv=None):
        """Run the recipe on ``argv``; returns its summary ({} for ``--print-config``)."""
        config, args = self.configure(argv)
        if args.print_config:
            print_config(config)
            return {}
        return self.run(config, args)

    def run(self, config, args):
        """The recipe's steps on a resolved ``config`` (strategy made before TF starts),
        with the console showing what ``--quiet`` / ``--verbose`` ask for."""
        from tfdefect.console import console_level, console_logging

        with console_logging(console_level(args.quiet, args.verbose)):
            return self._run_steps(config, args)

    def _run_steps(self, config, args):
        run_arguments = self.run_arguments(args)
        strategy = ()
        if self.trains:
            from tfdefect.training.strategy import make_strategy

            strategy = (make_strategy(args.strategy, logical_cpus=2),)
        module_name, function_name = self.steps.split(":")
        steps = getattr(importlib.import_module(module_name), function_name)
        return steps(config, *strategy, **run_arguments)

    def cli(self, argv=None) -> None:
        """Command-line entry: run and print the wall time. A user's mistake (bad setting,
        missing or malformed data, a NaN loss) is one line on stderr and exit code 2;
        ``--debug`` shows the traceback instead."""
        debug = "--debug" in (sys.argv[1:] if argv is None else argv)
        try:
            config, args = self.configure(argv)
            if args.print_config:
                print_config(config)
                return
            started = time.time()
            self.run(config, args)
        except USER_ERRORS as error:
            if debug:
                raise
            raise SystemExit(report_user_error(f"tfdefect recipe {self.name}", error)) from None
        if not args.quiet:
            print(f"{self.name} finished in {time.time() - started:.0f}s", flush=True)
