"""Chip folders as model inputs: reading, listing and refusing."""

import logging

import cv2
import numpy as np
import pytest

from tfdefect.inference.image_io import ImageReadError, list_image_files, read_image

NAMES = ["height", "intensity", "pattern"]


def _chip(folder, planes, names=NAMES):
    folder.mkdir(parents=True)
    for plane, name in zip(planes, names, strict=True):
        cv2.imwrite(str(folder / f"{name}.png"), plane)


def test_read_image_stacks_a_chip_folder_in_channel_order(tmp_path):
    planes = [np.full((8, 10), value, np.uint8) for value in (10, 20, 30)]
    _chip(tmp_path / "chip", planes)
    image = read_image(str(tmp_path / "chip"), 3, NAMES)
    assert image.shape == (8, 10, 3) and image.dtype == np.uint8
    assert image[0, 0].tolist() == [10, 20, 30]
    two = read_image(str(tmp_path / "chip"), 2, NAMES)  # the model's first channels
    assert two[0, 0].tolist() == [10, 20]


def test_chip_folder_errors_name_the_file(tmp_path):
    planes = [np.zeros((8, 8), np.uint8), np.zeros((8, 6), np.uint8), np.zeros((8, 8), np.uint8)]
    _chip(tmp_path / "sizes", planes)
    with pytest.raises(ImageReadError, match="intensity.png: 6x8 px, the chip's height.png is 8x8"):
        read_image(str(tmp_path / "sizes"), 3, NAMES)
    _chip(tmp_path / "colour", [np.zeros((8, 8, 3), np.uint8)] + planes[2:] * 2)
    with pytest.raises(ImageReadError, match="height.png: a chip channel is one 8-bit grey"):
        read_image(str(tmp_path / "colour"), 3, NAMES)
    _chip(tmp_path / "partial", planes[:1], NAMES[:1])
    with pytest.raises(ImageReadError, match="intensity.png is missing"):
        read_image(str(tmp_path / "partial"), 3, NAMES)
    with pytest.raises(ImageReadError, match="a folder, not an image"):
        read_image(str(tmp_path / "partial"), 3)


def test_listing_takes_chip_folders_whole_and_warns_of_partial_ones(tmp_path, caplog):
    planes = [np.zeros((8, 8), np.uint8)] * 3
    _chip(tmp_path / "in" / "a", planes)
    _chip(tmp_path / "in" / "sub" / "b", planes)
    cv2.imwrite(str(tmp_path / "in" / "a" / "mask.png"), planes[0])  # not an input
    _chip(tmp_path / "in" / "half", planes[:2], NAMES[:2])
    np.save(tmp_path / "in" / "loose.npy", np.zeros((8, 8, 3), np.uint8))
    with caplog.at_level(logging.WARNING, logger="tfdefect"):
        listed = list_image_files([str(tmp_path / "in")], channel_names=NAMES)
    names = [name for _, name in listed]
    assert names == ["a", "half/height.png", "half/intensity.png", "loose.npy", "sub/b"]
    assert "half: not a chip folder (pattern.png missing)" in caplog.text
    # without channel names every PNG is an image of its own
    plain = [name for _, name in list_image_files([str(tmp_path / "in")])]
    assert "a/height.png" in plain and "a/mask.png" in plain
