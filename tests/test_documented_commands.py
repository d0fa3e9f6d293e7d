"""What README.md and the docs pages show a user works as shown.

Every ``tfdefect`` command line and ``python -m recipes.<name>`` line parses with the flags
it shows (the recipe's own parser, ``--set`` keys and values checked against its config);
nothing runs. ``python bench/...`` and ``python scripts/...`` name files that exist, and
their flags parse where the script has a ``parse_args(argv)``. Every dotted
``tfdefect.x.y`` name resolves. README's Python blocks run. The paths the docs read from a
run (``runs/...``, ``saved_models/...``) are those the recipes write.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import importlib.util
import io
import os
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

from tests.doc_examples import (
    PLACEHOLDER,
    ROOT,
    Snippet,
    all_snippets,
    code_blocks,
    commands,
    documents,
    inline_code,
)
from tfdefect.cli import RECIPES, build_parser
from tfdefect.config import ConfigError, apply_overrides, current_key, valid_keys
from tfdefect.recipes.front import default_outputs, recipe_parser, resolve_config

# Commands whose placeholders cannot be parsed, as shown: text -> why.
UNPARSEABLE = {
    "tfdefect stream ... --output video.avi": "'...' stands for the model and the source",
    "tfdefect convert-weights ... --image-size H W": "'...' stands for the required flags",
}
# Placeholder words that stand for a number, as a whole argument or a --set value.
NUMBERS = {"N": "1"}
# Run arguments that make a recipe publish everything (mpb3_smt publishes only in train).
PUBLISHING_ARGS = {"mpb3_smt": ["--mode", "train"]}
# Files and folders under the export dir that are not served models: TF Serving's config
# (publish_model) and the wafer recipe's INT8 files (tfdefect/recipes/wafer_mobilenet_steps).
EXPORT_DIR_ENTRIES = {"models.config", "tflite", "onnx"}
ERROR_MESSAGE = re.compile(r"\berror:")  # a quoted error message, not a command or a name
DOTTED = re.compile(r"(?<![\w/.\-])tfdefect(?:\.[A-Za-z_]\w*)+")
FROM_IMPORT = re.compile(r"^\s*from\s+(tfdefect(?:\.\w+)*)\s+import\s+([\w, ]+)$", re.M)
RUN_PATH = re.compile(r"(?<![\w/.$-])(runs|saved_models)/([^\s/`\"'|),;:]+)(/[^\s`\"'|),;:]*)?")
REPOSITORY_PATH = re.compile(
    r"(?<![\w/.~$-])((?:tfdefect|tests|bench|scripts|datasets|recipes)/[\w/.\-]*[\w/])"
)
# README's Python blocks (by position) in the order they run, in one interpreter: the
# training block publishes my_classifier; the first block then loads it and predicts the
# training block's images.
README_BLOCK_ORDER = (1, 0)
README_BLOCK_SUBSTITUTIONS = {0: {"saved_models/chips_mask_rcnn/1": "saved_models/my_classifier/1"}}


def _report(problems: list[str]) -> str:
    """The failure message: one problem per line."""
    return f"{len(problems)} problem(s):\n" + "\n".join(problems)


def _parse(parse, argv) -> tuple[object, str]:
    """(result or None, error message or "") of ``parse(argv)``, its output captured."""
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            return parse(list(argv)), ""
    except SystemExit as exit_:
        if exit_.code == 0:  # --help
            return None, ""
        if isinstance(exit_.code, str):  # SystemExit("message") of a check after parsing
            return None, exit_.code
        lines = err.getvalue().strip().splitlines()
        return None, lines[-1] if lines else f"exit code {exit_.code}"


def _numbers(argv) -> list[str]:
    """``argv`` with the NUMBERS placeholders (``N``, ``seed=N``) replaced by numbers."""
    result = []
    for token in argv:
        key, equals, value = token.rpartition("=")
        if token in NUMBERS:
            token = NUMBERS[token]
        elif equals and value in NUMBERS:
            token = f"{key}={NUMBERS[value]}"
        result.append(token)
    return result


@cache
def _subcommands() -> dict[str, argparse.ArgumentParser]:
    """The ``tfdefect`` subcommand parsers by name."""
    parser = build_parser()
    (action,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(action.choices)


@cache
def _recipe(name: str):
    """The Recipe of ``tfdefect.recipes.<name>``."""
    return importlib.import_module(f"tfdefect.recipes.{name}").RECIPE


def _recipe_argparser(name: str) -> argparse.ArgumentParser:
    """The parser ``Recipe.configure`` builds: the shared flags and the recipe's own."""
    recipe = _recipe(name)
    parser = recipe_parser(recipe.name, recipe.description, recipe.quick_help)
    for recipe_option in recipe.options:
        recipe_option.add_to(parser)
    return parser


def _overrides_problem(config, overrides) -> str:
    """Why ``--set`` overrides do not apply to ``config`` ("" if they do)."""
    problems = []
    for item in overrides:
        key, _, value = item.partition("=")
        if current_key(config, key) not in valid_keys(config):
            problems.append(f"--set {key}: no such key of {type(config).__name__}")
            continue
        try:
            apply_overrides(config, [item])
        except ConfigError as error:
            problems.append(f"--set {item}: {error}")
    return "; ".join(problems)


def _recipe_problem(name: str, argv) -> str:
    """Why ``tfdefect recipe <name> *argv`` does not parse ("" if it does); a ``<name>``
    placeholder stands for every recipe."""
    if PLACEHOLDER.fullmatch(name):
        return "; ".join(filter(None, (_recipe_problem(each, argv) for each in RECIPES)))
    if name not in RECIPES:
        return f"{name!r} is not a recipe ({', '.join(RECIPES)})"
    args, error = _parse(_recipe_argparser(name).parse_args, argv)
    if error or args is None:
        return error
    recipe = _recipe(name)
    config = recipe.quick_config() if args.quick else recipe.default_config()
    problem = _overrides_problem(config, args.overrides)
    return f"recipe {name}: {problem}" if problem else ""


def _dataset_problem(args) -> str:
    """Why ``tfdefect build-dataset`` arguments name no dataset config or key ("" if they
    do); a ``<name>`` placeholder stands for every dataset."""
    from tfdefect.datasets.tfds_builders import DATASETS, builder_module

    names = list(DATASETS) if PLACEHOLDER.fullmatch(args.name) else [args.name]
    problems = []
    for name in names:
        if name not in DATASETS:
            return f"{name!r} is not a dataset ({', '.join(DATASETS)})"
        module = builder_module(name)
        configs = {config.name: config for config in module.Builder.BUILDER_CONFIGS}
        if args.category and not hasattr(module, "PcbAnomalyConfig"):
            problems.append(f"{name}: --category applies to pcb_anomaly only")
        elif args.config not in configs:
            problems.append(f"{name}: no config {args.config!r} ({', '.join(configs)})")
        else:
            problem = _overrides_problem(configs[args.config], args.overrides)
            problems += [f"{name}: {problem}"] if problem else []
    return "; ".join(problems)


def _reference_problem(argv) -> str | None:
    """Why ``tfdefect *argv`` named in a sentence (``tfdefect predict``, ``tfdefect export
    --export-dir``, ``tfdefect recipe mpb3_smt``) names what does not exist ("" if all
    exists); None where ``argv`` is a command line, not such a reference."""
    if argv[:1] == ["recipe"] and len(argv) == 2:
        name = argv[1]
        known = PLACEHOLDER.fullmatch(name) or name in RECIPES
        return "" if known else f"{name!r} is not a recipe ({', '.join(RECIPES)})"
    if all(token.startswith("-") for token in argv[1:]):
        return _flag_reference_problem(argv)
    return None


def _tfdefect_problem(argv, inline: bool = False) -> str:
    """Why ``tfdefect *argv`` does not parse as ``tfdefect.cli.main`` parses it ("" if it
    does); a ``<command>`` placeholder stands for every subcommand; ``inline``: it may be
    a reference to a command in a sentence."""
    reference = _reference_problem(argv) if inline else None
    if reference is not None:
        return reference
    if argv and PLACEHOLDER.fullmatch(argv[0]):
        problems = (_tfdefect_problem([each, *argv[1:]]) for each in _subcommands())
        return "; ".join(filter(None, problems))
    args, error = _parse(build_parser().parse_known_args, argv)
    if error or args is None:
        return error
    args, unknown = args
    if unknown and not getattr(args, "beam", False):  # only batch-predict passes them on
        return f"unrecognized arguments: {' '.join(unknown)}"
    if args.command == "recipe":
        return _recipe_problem(args.name, args.recipe_args)
    if args.command == "build-dataset":
        return _dataset_problem(args)
    return ""


@cache
def _script_parse_args(path: Path):
    """The ``parse_args(argv)`` of a bench or scripts file, or None where it has none."""
    if not re.search(r"^def parse_args\(argv", path.read_text(), re.M):
        return None
    spec = importlib.util.spec_from_file_location(f"documented_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.parse_args


def _script_problem(argv) -> str:
    """Why ``python <file> *argv`` names no file or does not parse ("" if fine)."""
    path = ROOT / argv[0]
    if not path.is_file():
        return f"{argv[0]} does not exist"
    parse_args = _script_parse_args(path)
    return _parse(parse_args, argv[1:])[1] if parse_args else ""


def _command_problem(argv, inline: bool) -> str:
    """Why a documented command (argv[0] included) does not parse ("" if it does)."""
    argv = _numbers(argv)
    if argv[0] == "tfdefect":
        return _tfdefect_problem(argv[1:], inline)
    if argv[1] == "-m":  # python -m recipes.<name>
        name = argv[2].removeprefix("recipes.")
        if not (ROOT / "recipes" / f"{name}.py").is_file():
            return f"recipes/{name}.py does not exist (recipes: {', '.join(RECIPES)})"
        return _recipe_problem(name, argv[3:])
    return _script_problem(argv[1:])


def _flag_reference_problem(tokens: list[str]) -> str:
    """Why ``<subcommand> --flag ...`` (a reference, not a command line) names a
    subcommand or flag that does not exist ("" if all exist)."""
    subcommands = _subcommands()
    if PLACEHOLDER.fullmatch(tokens[0]):  # <command>: every subcommand
        problems = (_flag_reference_problem([each, *tokens[1:]]) for each in subcommands)
        return "; ".join(filter(None, problems))
    if tokens[0] not in subcommands:
        return f"no subcommand {tokens[0]!r}"
    options = subcommands[tokens[0]]._option_string_actions
    unknown = [t for t in tokens[1:] if t.startswith("-") and t.split("=")[0] not in options]
    return f"{tokens[0]} has no option {', '.join(unknown)}" if unknown else ""


def _flag_references() -> list[tuple[str, str, list[str]]]:
    """(where, text, tokens) of inline spans that name a subcommand without ``tfdefect``
    and its flags only: ``predict --overwrite``, ``build-dataset --rebuild``."""
    found = []
    for path in documents():
        for span in inline_code(path):
            tokens = span.text.split()
            if len(tokens) < 2 or tokens[0] not in _subcommands():
                continue
            if all(token.startswith("-") for token in tokens[1:]):
                found.append((span.where, span.text, tokens))
    return found


def test_documented_commands_parse():
    """Every tfdefect, recipe, bench and scripts command line parses with its flags."""
    found = [c for c in commands() if not ERROR_MESSAGE.search(c.text)]
    assert len(found) >= 60, len(found)
    problems, skipped = [], set()
    for command in found:
        if command.text in UNPARSEABLE:
            skipped.add(command.text)
            continue
        if command.error:
            problems.append(f"{command.where}: `{command.text}`: {command.error}")
            continue
        for argv in command.argvs:
            problem = _command_problem(argv, command.inline)
            if problem:
                shown = " ".join(argv) if len(command.argvs) > 1 else command.text
                problems.append(f"{command.where}: `{shown}`: {problem}")
    problems += [
        f"UNPARSEABLE: `{text}` is in no document now" for text in UNPARSEABLE.keys() - skipped
    ]
    assert not problems, _report(problems)


def test_skipped_commands_cannot_be_parsed():
    """The commands left out as unparseable really are (else they should be checked)."""
    for text in UNPARSEABLE:
        assert _tfdefect_problem(text.split()[1:]), f"`{text}` parses now: check it"


def test_documented_subcommands_and_flags_exist():
    """Every ``<subcommand> --flag ...`` reference (``predict --overwrite``) names what
    exists (``tfdefect <subcommand> [--flag ...]`` ones are checked with the commands)."""
    found = _flag_references()
    assert len(found) >= 4, len(found)
    problems = [
        f"{where}: `{text}`: {problem}"
        for where, text, tokens in found
        if (problem := _flag_reference_problem(tokens))
    ]
    assert not problems, _report(problems)


def _names(snippet: Snippet) -> list[tuple[str, str]]:
    """(file:line, dotted name) of the tfdefect names in a snippet, from-imports included."""
    if snippet.kind == "inline" and ERROR_MESSAGE.search(snippet.text):
        return []

    def where(offset: int) -> str:
        return f"{snippet.path}:{snippet.line + snippet.text.count(chr(10), 0, offset)}"

    names = [(where(m.start()), m.group(0)) for m in DOTTED.finditer(snippet.text)]
    for match in FROM_IMPORT.finditer(snippet.text):
        module, imported = match.groups()
        names += [(where(match.start()), f"{module}.{n.strip()}") for n in imported.split(",")]
    return names


def _resolve(name: str) -> object:
    """The object a dotted name names: the longest importable module, then attributes."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            value = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if not error.name or not (module_name + ".").startswith(error.name + "."):
                raise  # a module that exists failed to import
            continue
        for attribute in parts[cut:]:
            value = getattr(value, attribute)
        return value
    raise ModuleNotFoundError(name)


def test_documented_dotted_names_resolve():
    """Every ``tfdefect.x.y`` in inline code, code blocks and ``:::`` directives exists."""
    found = [name for snippet in all_snippets() for name in _names(snippet)]
    assert len(found) >= 50, len(found)
    problems = []
    for where, name in found:
        try:
            _resolve(name)
        except (ImportError, AttributeError) as error:
            problems.append(f"{where}: `{name}`: {type(error).__name__}: {error}")
    assert not problems, _report(problems)


def test_documented_repository_files_exist():
    """Every file or folder of the repository the docs name (``tests/...``, ``bench/...``,
    ``tfdefect/...py``, ``datasets/<name>``) exists."""
    problems, count = [], 0
    for snippet in all_snippets():
        for match in REPOSITORY_PATH.finditer(snippet.text):
            path = match.group(1)
            count += 1
            if not (ROOT / path).exists():
                line = snippet.line + snippet.text.count("\n", 0, match.start())
                problems.append(f"{snippet.path}:{line}: `{path}`: no such file or folder")
    assert count >= 20, count
    assert not problems, _report(problems)


def _readme_python_script() -> str:
    """README's Python blocks as one script, in README_BLOCK_ORDER, each compiled with its
    README line numbers (a traceback names README.md and the line)."""
    blocks = [block for block in code_blocks(ROOT / "README.md") if block.kind == "python"]
    assert len(blocks) == len(README_BLOCK_ORDER), f"{len(blocks)} Python blocks in README.md"
    parts = []
    for index in README_BLOCK_ORDER:
        block = blocks[index]
        code = block.text
        for old, new in README_BLOCK_SUBSTITUTIONS.get(index, {}).items():
            assert old in code, f"{block.where}: `{old}` not in the block any more"
            code = code.replace(old, new)
        source = "\n" * (block.line - 1) + code
        parts.append(f"exec(compile({source!r}, 'README.md', 'exec'))")
    return "\n".join(parts)


def test_readme_python_blocks_run(tmp_path):
    """README's Python blocks run in a fresh folder: train, publish, load and predict."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-c", _readme_python_script()],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"README.md Python blocks failed:\n{result.stderr[-3000:]}"
    assert "'task': 'classification'" in result.stdout, result.stdout[-2000:]


def _configs(name: str) -> list[tuple[object, object]]:
    """(config, parsed run arguments) of a recipe's default and --quick runs that publish."""
    parser = _recipe_argparser(name)
    runs = []
    for quick in ([], ["--quick"]):
        args, error = _parse(parser.parse_args, PUBLISHING_ARGS.get(name, []) + quick)
        assert not error, error
        recipe = _recipe(name)
        config = resolve_config(args, recipe.default_config, recipe.quick_config)
        runs.append((config, args))
    return runs


def _published(name: str, config, args) -> tuple[str, ...]:
    """The served model names a run of recipe ``name`` publishes."""
    recipe = _recipe(name)
    return (recipe.outputs or default_outputs)(config, recipe.run_arguments(args)).exports


def _fits(shown: str, actual: str) -> bool:
    """``shown`` is ``actual``, a ``<placeholder>`` standing for any word part."""
    pattern = "".join(
        r"\w+" if PLACEHOLDER.fullmatch(part) else re.escape(part)
        for part in re.split(f"({PLACEHOLDER.pattern})", shown)
    )
    return re.fullmatch(pattern, actual) is not None


def _run_folder_problem(path: str, config) -> str:
    """Why ``runs/...`` ``path`` is not something the run of ``config`` writes ("" if it
    is): its workdir, and in it a model of the run where it names one."""
    workdir = config.workdir.rstrip("/")
    if not (path + "/").startswith(workdir + "/"):
        return f"not under the run's workdir {workdir}"
    inner = path[len(workdir) :].strip("/").split("/")
    models = getattr(config, "models", None)
    if models and inner[0] and not PLACEHOLDER.fullmatch(inner[0]) and "." not in inner[0]:
        known = {model for _, (c, _) in _all_runs() for model in getattr(c, "models", ())}
        if inner[0] in known and inner[0] not in models:
            return f"{inner[0]} is not a model this run trains ({', '.join(models)})"
    return ""


@cache
def _all_runs() -> tuple[tuple[str, tuple[object, object]], ...]:
    """(recipe, (config, args)) of every recipe's default and --quick run."""
    return tuple((name, run) for name in RECIPES for run in _configs(name))


def _path_problem(kind: str, folder: str, path: str) -> str:
    """Why a documented ``runs/...`` or ``saved_models/...`` path is written by no recipe
    run ("" if one writes it)."""
    runs = _all_runs()
    if kind == "runs":
        fitting = [c for _, (c, _) in runs if _fits(folder, os.path.basename(c.workdir))]
        if not fitting:
            names = sorted({os.path.basename(c.workdir) for _, (c, _) in runs})
            return f"runs/{folder} is no recipe's workdir ({', '.join(names)})"
        problems = [_run_folder_problem(path, c) for c in fitting]
        return "" if "" in problems or PLACEHOLDER.search(folder) else problems[0]
    served = {n for name, (c, a) in runs for n in _published(name, c, a)} | EXPORT_DIR_ENTRIES
    if not any(_fits(folder, name) for name in served):
        return f"saved_models/{folder} is no served name a recipe publishes ({sorted(served)})"
    return ""


def test_documented_run_paths_are_written_by_a_recipe():
    """Every ``runs/<workdir>/...`` and ``saved_models/<name>`` the docs show is a recipe's
    workdir (and model) or a served name a recipe publishes."""
    problems, count = [], 0
    for snippet in all_snippets():
        if ERROR_MESSAGE.search(snippet.text):
            continue
        for match in RUN_PATH.finditer(snippet.text):
            kind, folder = match.group(1), match.group(2)
            count += 1
            path = f"{kind}/{folder}{match.group(3) or ''}"
            problem = _path_problem(kind, folder, path.rstrip("/"))
            if problem:
                line = snippet.line + snippet.text.count("\n", 0, match.start())
                problems.append(f"{snippet.path}:{line}: `{match.group(0)}`: {problem}")
    assert count >= 20, count
    assert not problems, _report(problems)


def _demo_section() -> tuple[int, str]:
    """(first line, text) of README's "What the demo does and writes" section."""
    text = (ROOT / "README.md").read_text()
    start = text.index("## What the demo does and writes")
    end = text.index("\n## ", start + 1)
    return text.count("\n", 0, start) + 1, text[start:end]


def test_readme_demo_table_is_what_the_demo_writes():
    """README's table of what the demo writes: each path is under the workdir of the
    config the demo command runs, or is its export (``saved_models/<export.name>``)."""
    first_line, section = _demo_section()
    demo = re.search(r"`(python -m recipes\.(\w+)([^`]*))`", section)
    assert demo, "README.md: no `python -m recipes.<name> ...` demo command in the section"
    name, argv = demo.group(2), demo.group(3).split()
    args, error = _parse(_recipe_argparser(name).parse_args, argv)
    assert not error, f"README.md: `{demo.group(1)}`: {error}"
    recipe = _recipe(name)
    config = resolve_config(args, recipe.default_config, recipe.quick_config)
    exports = _published(name, config, args)
    rows = [
        (first_line + section.count("\n", 0, m.start()), m.group(1))
        for m in re.finditer(r"^\| `([^`]+)` \|", section, re.M)
    ]
    assert len(rows) >= 4, rows
    problems = []
    export_dir = config.export.dir.rstrip("/")
    for line, path in rows:
        parts = path.strip("/").split("/")
        if path.startswith(export_dir + "/"):
            inner = path[len(export_dir) + 1 :].strip("/").split("/")[0]
            if inner not in exports + ("models.config",):
                problem = f"not the export of `{demo.group(1)}` ({', '.join(exports)})"
            else:
                problem = ""
        elif parts[0] == "runs":
            problem = _run_folder_problem(path.rstrip("/"), config)
        else:
            problem = f"neither under {config.workdir} nor under {export_dir}"
        if problem:
            problems.append(f"README.md:{line}: `{path}`: {problem}")
    assert not problems, _report(problems)
