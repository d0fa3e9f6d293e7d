import pytest

from tfdefect.models.segmenters import UNetSegmenter
from tfdefect.registry import create_model, list_models, register_model


def test_builtin_models_are_listed():
    assert {"unet", "resnet50_fpn", "mask_rcnn"} <= set(list_models())


def test_create_model_builds_the_registered_class():
    model = create_model("unet", image_shape=(32, 32, 6), filters=(4, 8))
    assert isinstance(model, UNetSegmenter)
    assert model.output_shape == (None, 32, 32, 4)


def test_unknown_name_lists_valid_names():
    with pytest.raises(
        KeyError,
        match="unknown model 'unnet'.*classifier_vit, mask_rcnn, mpb3, padim, resnet50_fpn, unet",
    ):
        create_model("unnet")


def test_duplicate_registration_is_refused():
    with pytest.raises(ValueError, match="already registered"):
        register_model("unet")(lambda: None)
