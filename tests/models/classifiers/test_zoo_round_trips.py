"""The second half of the zoo's round trips (the first is in test_image_classifier.py)."""

import pytest

from tests.models.classifiers.round_trip import check_trains_and_round_trips
from tests.models.classifiers.test_image_classifier import FIRST_HALF
from tfdefect.models.classifiers import ZOO

SECOND_HALF = ("efficientnetv2", "swin_t", "deit", "alexnet")


def test_the_two_halves_cover_the_zoo():
    assert sorted(FIRST_HALF + SECOND_HALF) == sorted(ZOO)


@pytest.mark.parametrize("architecture", SECOND_HALF)
def test_architecture_trains_and_round_trips(architecture, tmp_path):
    check_trains_and_round_trips(architecture, tmp_path)
