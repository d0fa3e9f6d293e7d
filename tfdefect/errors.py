"""How the command lines answer a user's mistake: one line on stderr, exit code 2."""

from __future__ import annotations

import importlib.util
import sys


class MissingTensorFlowError(ImportError):
    """TensorFlow is not installed (it comes through the ``cpu`` or ``gpu`` extra)."""


def require_tensorflow() -> None:
    """Raise ``MissingTensorFlowError`` with the install command when TensorFlow is absent."""
    if "tensorflow" not in sys.modules and importlib.util.find_spec("tensorflow") is None:
        raise MissingTensorFlowError(
            "tfdefect needs TensorFlow, which is not installed: pip install 'tfdefect[cpu]' "
            "(or 'tfdefect[gpu]' for NVIDIA GPUs)"
        )


# a user's mistake (missing file, bad value, unreadable model or data, a folder that cannot
# be written): one line, no traceback
USER_ERRORS = (
    ValueError,
    FileNotFoundError,
    FileExistsError,
    NotADirectoryError,
    IsADirectoryError,
    PermissionError,
    KeyError,
    MissingTensorFlowError,
)

EXIT_USER_ERROR = 2


def user_error_message(error: BaseException) -> str:
    """The one line a user reads for ``error``: a KeyError's argument (not its quoted repr);
    for an OS error about a path, ``<path>: <reason>`` (``runs/x: Permission denied``)."""
    if isinstance(error, KeyError) and error.args:
        return str(error.args[0])
    if isinstance(error, OSError) and error.filename is not None and error.strerror:
        paths = [error.filename, error.filename2]
        named = " -> ".join(str(path) for path in paths if path is not None)
        return f"{named}: {error.strerror}"
    return str(error)


def report_user_error(program: str, error: BaseException) -> int:
    """Print ``<program>: error: <message>`` to stderr and return the exit code (2)."""
    message = user_error_message(error)
    print(f"{program}: error: {message} (--debug shows the traceback)", file=sys.stderr)
    return EXIT_USER_ERROR
