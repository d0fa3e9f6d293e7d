"""Model packages; importing them registers their models (see tfdefect.registry)."""

from tfdefect.models import (
    classifiers,  # noqa: F401
    mpb3,  # noqa: F401
    padim,  # noqa: F401
    segmenters,  # noqa: F401
)
from tfdefect.models.mask_rcnn import mask_rcnn  # noqa: F401
