"""Step budgets of the benchmark scripts."""

from __future__ import annotations


def whole_epochs(steps: int, epoch_steps: int, option: str = "--steps") -> int:
    """Epochs of ``epoch_steps`` that make exactly ``steps`` training steps; exits with one
    line when they cannot (Keras trains whole epochs, so the budget would be cut silently)."""
    if steps < 1 or epoch_steps < 1 or steps % epoch_steps:
        raise SystemExit(f"{option} {steps}: must be a positive multiple of {epoch_steps}")
    return steps // epoch_steps
