"""The recipe skeleton: options onto config fields, run arguments, checks, strategy."""

import dataclasses

import pytest

from tfdefect.config import ConfigError
from tfdefect.recipes.front import option
from tfdefect.recipes.skeleton import Recipe

CALLS = []


@dataclasses.dataclass
class _Config:
    models: tuple = ("a", "b")
    merge: bool = False
    size: int = 32
    workdir: str = "runs/toy"


def _steps(config, *strategy, **run_arguments):
    CALLS.append((config, strategy, run_arguments))
    return {"size": config.size}


def _check(config):
    if config.size % 32:
        raise ConfigError(f"size {config.size} must be a multiple of 32")


def _recipe(trains=True):
    return Recipe(
        name="toy",
        description="a toy recipe",
        quick_help="tiny",
        default_config=_Config,
        quick_config=lambda: _Config(size=64),
        steps=f"{__name__}:_steps",
        check=_check,
        trains=trains,
        options=(
            option("--models", field="models", convert=tuple, nargs="+"),
            option("--merge", field="merge", action="store_true"),
            option("--mode", choices=["train", "val"], default="train"),
        ),
    )


def test_options_set_config_fields_and_run_arguments_reach_the_steps():
    CALLS.clear()
    result = _recipe().main(["--quick", "--models", "c", "--merge", "--mode", "val"])
    config, strategy, run_arguments = CALLS[0]
    assert result == {"size": 64} and config.models == ("c",) and config.merge
    assert run_arguments == {"mode": "val"} and len(strategy) == 1  # a default strategy
    CALLS.clear()
    _recipe().main(["--set", "size=96"])
    assert CALLS[0][0] == _Config(size=96)  # options not given leave the config alone


def test_print_config_runs_nothing(capsys):
    CALLS.clear()
    assert _recipe().main(["--models", "x", "--print-config"]) == {}
    assert '"models": [\n    "x"\n  ]' in capsys.readouterr().out and not CALLS


def test_bad_settings_are_one_line_and_exit_code_2(capsys):
    with pytest.raises(ConfigError, match="size 33 must be a multiple of 32"):
        _recipe().main(["--set", "size=33"])
    with pytest.raises(SystemExit) as stopped:
        _recipe().cli(["--set", "size=33"])
    assert stopped.value.code == 2
    assert capsys.readouterr().err == (
        "tfdefect recipe toy: error: size 33 must be a multiple of 32 "
        "(--debug shows the traceback)\n"
    )


def test_a_recipe_without_training_takes_no_strategy():
    CALLS.clear()
    _recipe(trains=False).main([])
    assert CALLS[0][1] == ()  # steps(config, **run_arguments)
    with pytest.raises(ConfigError, match="toy has no training loop to distribute"):
        _recipe(trains=False).main(["--strategy", "mirrored"])
