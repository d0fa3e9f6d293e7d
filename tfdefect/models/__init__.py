"""Model packages; importing them registers their models (see tfdefect.registry)."""

from tfdefect.models import segmenters  # noqa: F401
