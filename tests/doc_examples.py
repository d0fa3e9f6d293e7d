"""What README.md and the docs pages show a user: fenced code blocks, inline code spans and
the command lines in them, each with the file and line it is on (for tests of the docs)."""

from __future__ import annotations

import dataclasses
import itertools
import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```[ \t]*$", re.S | re.M)
# a code span: one or more backticks, the text (not across a blank line), as many backticks
SPAN = re.compile(r"(?<!`)(`+)(?!`)((?:(?!\n[ \t]*\n).)+?)(?<!`)\1(?!`)", re.S)
SEPARATORS = {"&&", "||", ";", "|"}  # between commands on one line
# where a command starts: the tfdefect command, a recipe module, a bench or scripts file
COMMAND_START = re.compile(r"^(tfdefect\s+\S|python3? -m recipes\.\w|python3? (?:bench|scripts)/)")
PLACEHOLDER = re.compile(r"<[^<>\n]*>")  # <variant>, <run folders>: one argument each
SYNOPSIS = re.compile(r"\[-")  # usage syntax: [--flag VALUE], a|b alternatives


@dataclasses.dataclass(frozen=True)
class Snippet:
    """A code block or inline code span: its text, kind and where it is."""

    path: str  # relative to the repository root
    line: int  # the line of its first character of text
    text: str
    kind: str  # "inline", or the fenced block's language ("" when none)

    @property
    def where(self) -> str:
        """``file:line``."""
        return f"{self.path}:{self.line}"


@dataclasses.dataclass(frozen=True)
class Command:
    """One command as a document shows it, and the argument lists it stands for."""

    where: str
    text: str  # as shown (backslash continuations joined)
    argvs: tuple[tuple[str, ...], ...]  # one argv per synopsis alternative, argv[0] included
    inline: bool = False  # an inline code span (it may name a command, not run it)
    error: str = ""  # why the line could not be split into words


def documents() -> list[Path]:
    """README.md and every docs/**/*.md page."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]


def relative(path: Path) -> str:
    """``path`` relative to the repository root."""
    return str(path.relative_to(ROOT))


def code_blocks(path: Path) -> list[Snippet]:
    """The fenced code blocks of ``path``."""
    text = path.read_text()
    return [
        Snippet(relative(path), text.count("\n", 0, m.start(2)) + 1, m.group(2), m.group(1))
        for m in FENCE.finditer(text)
    ]


def _without_blocks(text: str) -> str:
    """``text`` with every fenced block blanked out, line numbers kept."""
    return FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), text)


def _joined(span: str) -> str:
    """A wrapped code span on one line: a line break is a space, except before a dot."""
    return re.sub(r"[ \t]*\n[ \t]*(?=\.\w)", "", span).replace("\n", " ")


def inline_code(path: Path) -> list[Snippet]:
    """The inline code spans of ``path`` outside fenced blocks, wrapped ones joined."""
    text = _without_blocks(path.read_text())
    spans = []
    for match in SPAN.finditer(text):
        line = text.count("\n", 0, match.start(2)) + 1
        spans.append(Snippet(relative(path), line, _joined(match.group(2)).strip(), "inline"))
    return spans


def directives(path: Path) -> list[Snippet]:
    """mkdocstrings ``::: dotted.name`` lines of ``path``."""
    found = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        match = re.match(r"^:::\s+(\S+)", line)
        if match:
            found.append(Snippet(relative(path), number, match.group(1), "directive"))
    return found


def all_snippets() -> list[Snippet]:
    """Every code block, inline code span and mkdocstrings directive of every document."""
    return [
        snippet
        for path in documents()
        for snippet in code_blocks(path) + inline_code(path) + directives(path)
    ]


def _block_lines(snippet: Snippet) -> list[tuple[int, str]]:
    """(line, text) of a code block's logical lines: backslash continuations joined."""
    lines, pending, start = [], "", 0
    for offset, line in enumerate(snippet.text.splitlines()):
        if not pending:
            start = snippet.line + offset
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        lines.append((start, pending + line))
        pending = ""
    if pending:
        lines.append((start, pending))
    return lines


def _tokens(text: str) -> list[str]:
    """Shell words of ``text``, a trailing ``# comment`` dropped."""
    lexer = shlex.shlex(text, posix=True)
    lexer.whitespace_split = True
    lexer.commenters = "#"
    return list(lexer)


def _segments(tokens: list[str]) -> list[list[str]]:
    """``tokens`` split at ``&&``, ``||``, ``;`` and ``|``."""
    groups = itertools.groupby(tokens, key=lambda token: token in SEPARATORS)
    return [list(group) for separator, group in groups if not separator]


def _alternatives(tokens: list[str]) -> list[tuple[str, ...]]:
    """A usage synopsis as argvs: ``...`` dropped, the first of each ``a|b`` taken, then
    each other alternative in turn (one per argv, the rest at their first)."""
    tokens = [token for token in tokens if token != "..."]
    first = [token.split("|")[0] for token in tokens]
    argvs = [tuple(first)]
    for index, token in enumerate(tokens):
        for other in token.split("|")[1:]:
            argvs.append(tuple(first[:index] + [other] + first[index + 1 :]))
    return argvs


def _commands(where: str, text: str, inline: bool) -> list[Command]:
    """The Commands of one shell line (none if it starts no documented command)."""
    synopsis = bool(SYNOPSIS.search(text))
    shown = PLACEHOLDER.sub(lambda match: shlex.quote(match.group(0)), text)
    shown = shown.replace("[", " ").replace("]", " ") if synopsis else shown
    try:
        tokens = _tokens(shown)
    except ValueError as error:  # unbalanced quotes
        found = COMMAND_START.match(text)
        return [Command(where, text.strip(), (), inline, str(error))] if found else []
    commands = []
    for segment in _segments(tokens):
        line = " ".join(segment)
        if COMMAND_START.match(line):
            argvs = _alternatives(segment) if synopsis else [tuple(segment)]
            commands.append(Command(where, text.strip(), tuple(argvs), inline))
    return commands


def commands() -> list[Command]:
    """Every command line of the code blocks (not Python ones) and inline code spans."""
    found = []
    for path in documents():
        for block in code_blocks(path):
            if block.kind in ("python", "json"):
                continue
            for line, text in _block_lines(block):
                found += _commands(f"{block.path}:{line}", text, inline=False)
        for span in inline_code(path):
            if COMMAND_START.match(span.text):
                found += _commands(span.where, span.text, inline=True)
    return found
