"""Thin `python -m recipes.<name>` entry points into `tfdefect.recipes` (checkout only)."""
