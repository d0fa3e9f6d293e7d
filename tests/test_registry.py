import pytest

from tfdefect.models.segmenters import UNetSegmenter
from tfdefect.registry import create_model, list_models, register_model


def test_builtin_models_are_listed_by_family():
    names = set(list_models())
    assert {"segmenter_unet", "segmenter_resnet50_fpn", "detector_mask_rcnn"} <= names
    assert {"anomaly_padim", "pair_mpb3", "classifier_luna"} <= names
    assert not names & {"unet", "mask_rcnn", "padim", "mpb3", "resnet50_fpn"}  # aliases only


def test_create_model_builds_the_registered_class():
    model = create_model("segmenter_unet", image_shape=(32, 32, 6), filters=(4, 8))
    assert isinstance(model, UNetSegmenter)
    assert model.output_shape == (None, 32, 32, 4)


def test_old_names_still_work_with_a_warning():
    with pytest.warns(DeprecationWarning, match="use 'segmenter_unet'"):
        model = create_model("unet", image_shape=(32, 32, 6), filters=(4, 8))
    assert isinstance(model, UNetSegmenter)


def test_unknown_name_lists_valid_names():
    with pytest.raises(
        ValueError,
        match="unknown model 'unnet'.*classifier_vit, detector_mask_rcnn, pair_mpb3, "
        "segmenter_resnet50_fpn, segmenter_unet",
    ):
        create_model("unnet")


def test_duplicate_registration_is_refused():
    with pytest.raises(ValueError, match="already registered"):
        register_model("segmenter_unet")(lambda: None)
