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
from tfdefect.errors import USER_ERRORS, report_user_error
from tfdefect.recipes.front import RecipeOption, print_config, recipe_parser, resolve_config


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

    def configure(self, argv=None):
        """(config, parsed arguments) of ``argv``; raises ConfigError on a bad config."""
        parser = recipe_parser(self.name, self.description, self.quick_help)
        for recipe_option in self.options:
            recipe_option.add_to(parser)
        args = parser.parse_args(argv)
        config = resolve_config(args, self.default_config, self.quick_config)
        for recipe_option in self.options:
            recipe_option.apply(args, config)
        if not self.trains and args.strategy != "default":
            raise ConfigError(
                f"--strategy {args.strategy}: {self.name} has no training loop to distribute"
            )
        if self.check is not None:
            self.check(config)
        return config, args

    def main(self, argv=None):
        """Run the recipe on ``argv``; returns its summary ({} for ``--print-config``)."""
        config, args = self.configure(argv)
        if args.print_config:
            print_config(config)
            return {}
        return self.run(config, args)

    def run(self, config, args):
        """The recipe's steps on a resolved ``config`` (strategy made before TF starts)."""
        run_arguments = {o.dest: getattr(args, o.dest) for o in self.options if o.field is None}
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
        print(f"{self.name} finished in {time.time() - started:.0f}s", flush=True)
