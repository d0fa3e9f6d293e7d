"""The six recipes (``tfdefect recipe <name>``, ``python -m tfdefect.recipes.<name>``; from a
checkout also ``python -m recipes.<name>``): segment_chips, mask_rcnn_chips, padim_pcb,
mpb3_smt, casting_zoo, wafer_mobilenet."""
