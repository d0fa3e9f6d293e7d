import keras
import numpy as np
import pytest

from tfdefect.models.classifiers import ImageClassifier, apply_freeze_strategy, backbone_blocks


def _weight_ids(layers, skip_batch_norm=True):
    return {
        id(w)
        for layer in layers
        if not (skip_batch_norm and isinstance(layer, keras.layers.BatchNormalization))
        for w in layer.trainable_weights
    }


@pytest.fixture(scope="module")
def resnet18():
    return ImageClassifier("resnet18", image_shape=(32, 32, 3))


def _head_ids(model):
    return {id(w) for w in model.get_layer("class_probabilities").weights}


def test_feature_extraction_trains_only_the_head(resnet18):
    info = apply_freeze_strategy(resnet18, "feature_extraction")
    assert {id(w) for w in resnet18.trainable_weights} == _head_ids(resnet18)
    assert info["trainable_blocks"] == 0 and info["blocks"] == 8  # ResNet18: 8 basic blocks


def test_partial_trains_exactly_the_last_blocks(resnet18):
    blocks = backbone_blocks(resnet18.backbone, resnet18.block_pattern)
    assert [layer.name.split("_conv")[0] for layer in blocks[-1][:1]] == ["stage5_block1"]
    info = apply_freeze_strategy(resnet18, "partial:2")
    expected = _weight_ids(blocks[-2] + blocks[-1]) | _head_ids(resnet18)
    assert {id(w) for w in resnet18.trainable_weights} == expected
    assert info["trainable_blocks"] == 2
    # BatchNormalization stays frozen (inference mode) inside the trainable blocks
    assert all(
        not layer.trainable
        for layer in blocks[-1]
        if isinstance(layer, keras.layers.BatchNormalization)
    )


def test_full_and_from_scratch(resnet18):
    blocks = backbone_blocks(resnet18.backbone, resnet18.block_pattern)
    every_layer = [layer for group in blocks for layer in group]
    apply_freeze_strategy(resnet18, "full")
    assert {id(w) for w in resnet18.trainable_weights} == _weight_ids(every_layer) | _head_ids(
        resnet18
    )
    apply_freeze_strategy(resnet18, "full", freeze_batch_norm=False)
    assert {id(w) for w in resnet18.trainable_weights} == _weight_ids(
        every_layer, skip_batch_norm=False
    ) | _head_ids(resnet18)
    # more blocks than exist: everything, stem included
    apply_freeze_strategy(resnet18, "partial:100")
    assert {id(w) for w in resnet18.trainable_weights} == _weight_ids(every_layer) | _head_ids(
        resnet18
    )


def test_frozen_batch_norm_keeps_its_statistics_while_training():
    keras.utils.set_random_seed(0)
    model = ImageClassifier("luna", image_shape=(32, 32, 3))
    apply_freeze_strategy(model, "full")
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    batch_norm = model.backbone.get_layer("stem_bn")
    before = batch_norm.moving_mean.numpy().copy()
    images = np.random.default_rng(0).uniform(0, 255, (8, 32, 32, 3)).astype("float32")
    model.fit(images, np.arange(8) % 2, epochs=1, verbose=0)
    np.testing.assert_array_equal(batch_norm.moving_mean.numpy(), before)
    apply_freeze_strategy(model, "full", freeze_batch_norm=False)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(images, np.arange(8) % 2, epochs=1, verbose=0)
    assert not np.array_equal(batch_norm.moving_mean.numpy(), before)


def test_transformer_blocks_are_counted():
    model = ImageClassifier(
        "swin_t",
        image_shape=(64, 64, 3),
        backbone_options={"dim": 16, "depths": (2, 2, 2, 2), "heads": (1, 1, 2, 2)},
    )
    info = apply_freeze_strategy(model, "partial:3")
    assert info["blocks"] == 8 and info["trainable_blocks"] == 3


def test_unknown_strategy_is_refused(resnet18):
    for strategy in ("partial", "partial:0", "partial:x", "frozen"):
        with pytest.raises(ValueError, match="unknown freeze strategy"):
            apply_freeze_strategy(resnet18, strategy)
