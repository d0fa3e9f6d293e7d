"""Matterport-style Mask R-CNN building blocks (issue 3, in progress).

Boxes are (y1, x1, y2, x2) in normalised image coordinates [0, 1] throughout, as in
``tf.image.crop_and_resize`` and Matterport's graph.
"""
