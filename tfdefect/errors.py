"""How the command lines answer a user's mistake: one line on stderr, exit code 2."""

from __future__ import annotations

import sys

# a user's mistake (missing file, bad value, unreadable model or data): one line, no traceback
USER_ERRORS = (ValueError, FileNotFoundError, FileExistsError, NotADirectoryError, KeyError)

EXIT_USER_ERROR = 2


def report_user_error(program: str, error: BaseException) -> int:
    """Print ``<program>: error: <message>`` to stderr and return the exit code (2).
    A KeyError's message is its argument (not its quoted repr)."""
    message = error.args[0] if isinstance(error, KeyError) and error.args else error
    print(f"{program}: error: {message} (--debug shows the traceback)", file=sys.stderr)
    return EXIT_USER_ERROR
