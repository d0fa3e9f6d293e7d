"""Where the library's messages go: the ``tfdefect`` logger, and the console set-up of the
command lines and recipes.

The library itself only logs (``logging.getLogger(__name__)`` in each module, under the
``tfdefect`` logger, which has a ``NullHandler``): an application embedding it routes or
silences the messages with the standard ``logging`` calls, e.g.
``logging.getLogger("tfdefect").setLevel(logging.WARNING)``. Progress bars draw only while
``tfdefect`` logs at INFO. The ``tfdefect`` command and ``python -m recipes.<name>`` show
INFO on stdout and warnings and errors on stderr, without TensorFlow's start-up lines;
``--quiet`` keeps only errors (also TensorFlow's, Keras' and TFDS's own output),
``--verbose`` adds DEBUG.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
import warnings

LOGGER_NAME = "tfdefect"
logging.getLogger(LOGGER_NAME).addHandler(logging.NullHandler())


def shows_progress() -> bool:
    """Whether progress bars and per-epoch lines should draw: ``tfdefect`` logs INFO."""
    return logging.getLogger(LOGGER_NAME).isEnabledFor(logging.INFO)


def console_level(quiet: bool = False, verbose: bool = False) -> int:
    """The level of ``--quiet`` (ERROR), ``--verbose`` (DEBUG) or neither (INFO)."""
    if quiet and verbose:
        raise ValueError("--quiet and --verbose: choose one")
    return logging.ERROR if quiet else logging.DEBUG if verbose else logging.INFO


class _Below(logging.Filter):
    def __init__(self, level: int):
        super().__init__()
        self.level = level

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno < self.level


class _Prefixed(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return f"{record.levelname.lower()}: {super().format(record)}"


def hide_tensorflow_startup() -> None:
    """Import TensorFlow with its C++ start-up lines hidden, unless the user set
    ``TF_CPP_MIN_LOG_LEVEL`` (then its choice stands). The oneDNN and CPU-feature lines are
    written to the stderr file descriptor while the library loads, before any log level
    applies, so the descriptor is pointed at a temporary file for the import; an import
    that fails shows what it wrote. Without TensorFlow: ``MissingTensorFlowError``."""
    from tfdefect.errors import require_tensorflow

    require_tensorflow()
    if "TF_CPP_MIN_LOG_LEVEL" in os.environ or "tensorflow" in sys.modules:
        return
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as captured:
        os.dup2(captured.fileno(), 2)
        try:
            import tensorflow  # noqa: F401
        except BaseException:
            os.dup2(saved, 2)
            captured.seek(0)
            sys.stderr.write(captured.read().decode(errors="replace"))
            raise
        finally:
            os.dup2(saved, 2)
            os.close(saved)


@contextlib.contextmanager
def console_logging(level: int = logging.INFO, stream=None):
    """For a command line: ``tfdefect`` messages below WARNING on ``stream`` (stdout; stderr
    where stdout carries data such as JSON), as they are, warnings and errors on stderr
    (``warning: ...``), at ``level``. At ERROR the other
    libraries' chatter goes too: Python warnings, absl and other loggers below ERROR,
    Keras' progress bars and TFDS's. Everything is restored on exit."""
    logger = logging.getLogger(LOGGER_NAME)
    out = logging.StreamHandler(stream or sys.stdout)
    out.addFilter(_Below(logging.WARNING))
    err = logging.StreamHandler(sys.stderr)
    err.setLevel(logging.WARNING)
    err.setFormatter(_Prefixed("%(message)s"))
    saved = (logger.level, logger.propagate, logging.getLogger().level)
    logger.addHandler(out)
    logger.addHandler(err)
    logger.setLevel(level)
    logger.propagate = False
    restore = []
    if level >= logging.ERROR:
        restore = _silence_other_libraries()
    try:
        yield logger
    finally:
        for undo in reversed(restore):
            undo()
        logger.removeHandler(out)
        logger.removeHandler(err)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]
        logging.getLogger().setLevel(saved[2])


def _silence_other_libraries() -> list:
    """Errors only from Python warnings, the root logger (absl, tf2onnx), Keras and TFDS;
    returns the calls that undo it."""
    undo = []
    root = logging.getLogger()
    root.setLevel(logging.ERROR)
    filters = warnings.filters[:]
    warnings.simplefilter("ignore")
    undo.append(lambda: warnings.filters.__setitem__(slice(None), filters))
    import keras

    if keras.config.is_interactive_logging_enabled():
        keras.config.disable_interactive_logging()
        undo.append(keras.config.enable_interactive_logging)
    with contextlib.suppress(ImportError):
        import absl.logging

        verbosity = absl.logging.get_verbosity()
        absl.logging.set_verbosity(absl.logging.ERROR)
        undo.append(lambda: absl.logging.set_verbosity(verbosity))
    with contextlib.suppress(ImportError):
        import tensorflow_datasets as tfds

        tfds.disable_progress_bar()
        undo.append(tfds.enable_progress_bar)
    return undo
