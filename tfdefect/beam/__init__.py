"""Batch inspection on Apache Beam: ``InspectImages`` and ``tfdefect batch-predict``."""

from tfdefect.beam.inspect_images import InspectImages

__all__ = ["InspectImages"]
