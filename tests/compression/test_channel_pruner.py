"""ChannelPruner: thinner models of the same architecture, with the surviving weights."""

import keras
import numpy as np
import pytest

from tfdefect.compression import ChannelGraph, ChannelPruner, kept_channels
from tfdefect.models.classifiers.image_classifier import ImageClassifier


def _residual_model():
    """conv(16) -> BN -> ReLU -> depthwise -> BN -> ReLU -> conv(8) -> BN, added to a
    second conv(8) -> BN branch, -> GAP -> Dense(3): one expansion group of 16 channels and
    one residual group of 8 tied by the add."""
    images = keras.Input((12, 12, 3), name="images")
    x = keras.layers.Conv2D(16, 3, padding="same", name="expand")(images)
    x = keras.layers.BatchNormalization(name="expand_bn")(x)
    x = keras.layers.ReLU(name="expand_relu")(x)
    x = keras.layers.DepthwiseConv2D(3, padding="same", name="depthwise")(x)
    x = keras.layers.BatchNormalization(name="depthwise_bn")(x)
    x = keras.layers.ReLU(name="depthwise_relu")(x)
    x = keras.layers.Conv2D(8, 1, name="project")(x)
    x = keras.layers.BatchNormalization(name="project_bn")(x)
    shortcut = keras.layers.Conv2D(8, 1, name="shortcut")(images)
    shortcut = keras.layers.BatchNormalization(name="shortcut_bn")(shortcut)
    x = keras.layers.Add(name="add")([x, shortcut])
    x = keras.layers.ReLU(name="add_relu")(x)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = keras.layers.Dense(3, activation="softmax", name="head")(x)
    model = keras.Model(images, outputs, name="residual")
    rng = np.random.default_rng(0)
    for layer in model.layers:  # weights with some spread, so outputs depend on every channel
        layer.set_weights(
            [rng.normal(0.5, 0.3, w.shape).astype("float32") for w in layer.get_weights()]
        )
        if isinstance(layer, keras.layers.BatchNormalization):
            gamma, beta, mean, variance = layer.get_weights()
            layer.set_weights([gamma, beta, mean, np.abs(variance) + 0.5])
    return model


def _images(shape, count=3):
    return np.random.default_rng(1).uniform(0, 1, (count, *shape)).astype("float32")


def test_groups_follow_depthwise_and_residual_adds():
    graph = ChannelGraph(_residual_model())
    groups = {g.size: g for g in graph.prunable_groups()}
    assert sorted(groups) == [8, 16]
    expansion, residual = groups[16], groups[8]
    assert [p.name for p in expansion.producers] == ["expand"]
    assert [m.name for m in expansion.members] == ["expand_bn", "depthwise", "depthwise_bn"]
    assert [c.name for c in expansion.consumers] == ["project"]
    assert sorted(p.name for p in residual.producers) == ["project", "shortcut"]
    assert [c.name for c in residual.consumers] == ["head"]
    # 12*12*(3*3*3*16 + 3*3*16 + 16*8 + 3*8) + 8*3
    assert graph.macs() == 144 * (432 + 144 + 128 + 24) + 24


def test_zero_target_copies_the_model_exactly():
    model = _residual_model()
    pruned, report = ChannelPruner("l1").prune(model, 0.0)
    images = _images((12, 12, 3))
    np.testing.assert_array_equal(
        pruned.predict(images, verbose=0), model.predict(images, verbose=0)
    )
    assert report.macs_after == report.macs_before and report.params_after == report.params_before


def test_pruned_channels_with_zero_output_leave_the_outputs_unchanged():
    """Channels whose every BatchNormalization has scale and shift 0 are dead: bn_scale
    ranks them last, and removing them must not change a single output."""
    model = _residual_model()
    graph = ChannelGraph(model)
    dead = {}
    for group in graph.prunable_groups():
        dead[group.index] = np.arange(0, group.size, 2)  # every other channel
        for member in group.members:
            if isinstance(member, keras.layers.BatchNormalization):
                gamma, beta, mean, variance = member.get_weights()
                gamma[dead[group.index]] = 0.0
                beta[dead[group.index]] = 0.0
                member.set_weights([gamma, beta, mean, variance])
    half = {index: len(channels) for index, channels in dead.items()}
    target = 1.0 - graph.macs(half) / graph.macs()
    pruned, report = ChannelPruner("bn_scale", channel_multiple=1).prune(model, target)
    images = _images((12, 12, 3))
    np.testing.assert_allclose(
        pruned.predict(images, verbose=0), model.predict(images, verbose=0), rtol=1e-5, atol=1e-6
    )
    assert pruned.get_layer("expand").filters == 8
    assert pruned.get_layer("project").filters == 4 and pruned.get_layer("shortcut").filters == 4
    assert pruned.get_layer("depthwise").kernel.shape == (3, 3, 8, 1)
    assert pruned.get_layer("head").kernel.shape == (4, 3)
    assert report.macs_after == graph.macs(half)
    assert report.params_after < report.params_before


@pytest.mark.parametrize("criterion", ["l1", "bn_scale"])
def test_mobilenet_v2_classifier_loses_the_asked_macs(criterion):
    model = ImageClassifier(
        "mobilenetv2", num_classes=4, image_shape=(64, 64, 1), backbone_options={"alpha": 0.35}
    )
    pruned, report = ChannelPruner(criterion).prune(model, 0.5)
    assert 0.5 <= report.macs_removed < 0.6
    assert ChannelGraph(pruned).macs() == report.macs_after
    assert pruned.count_params() == report.params_after < model.count_params()
    assert pruned.predict(_images((64, 64, 1), 2) * 255, verbose=0).shape == (2, 4)
    thinner = pruned.get_layer("backbone")
    assert thinner.count_params() < model.backbone.count_params()


def test_resnet18_classifier_with_a_dynamic_size_backbone_is_pruned():
    # the ResNet backbone is a nested model on keras.Input((None, None, 3)): its spatial
    # sizes come from the classifier's 64 px input
    model = ImageClassifier("resnet18", num_classes=2, image_shape=(64, 64, 3))
    macs = ChannelGraph(model).macs()
    assert abs(macs * (224 / 64) ** 2 / 1.814e9 - 1) < 0.02  # torchvision: 1.814 GMACs
    same, _ = ChannelPruner("l1").prune(model, 0.0)
    images = _images((64, 64, 3), 2) * 255
    np.testing.assert_array_equal(same.predict(images, verbose=0), model.predict(images, verbose=0))
    pruned, report = ChannelPruner("l1").prune(model, 0.5)
    assert report.macs_removed >= 0.5 and ChannelGraph(pruned).macs() == report.macs_after
    assert pruned.predict(images, verbose=0).shape == (2, 2)
    widths = [
        layer.filters
        for layer in pruned._flatten_layers(include_self=False, recursive=True)
        if isinstance(layer, keras.layers.Conv2D)
    ]
    assert len(widths) == 20 and max(widths) < 512 and pruned.count_params() == report.params_after


def test_iterative_rounds_count_against_the_unpruned_model():
    model = _residual_model()
    pruner = ChannelPruner("l1", channel_multiple=1)
    first, report_1 = pruner.prune(model, 0.25)
    second, report_2 = pruner.prune(first, 0.5, reference_macs=report_1.reference_macs)
    assert report_2.macs_removed >= 0.5 > report_1.macs_removed
    assert report_2.macs_before == report_1.macs_after


def test_kept_channels_rounds_to_the_multiple_and_keeps_some():
    assert kept_channels(96, 0.5, 8) == 48
    assert kept_channels(96, 0.55, 8) == 40
    assert kept_channels(16, 0.99, 8) == 8
    assert kept_channels(4, 0.9, 8) == 4
    assert kept_channels(10, 0.0, 8) == 10


@pytest.mark.parametrize("target", [1.0, -0.1, 1.5, "half"])
def test_bad_targets_are_one_line_errors(target):
    with pytest.raises(ValueError, match="prune target"):
        ChannelPruner().prune(_residual_model(), target)


def test_a_model_without_prunable_channels_is_refused():
    images = keras.Input((8, 8, 3))
    outputs = keras.layers.Dense(2)(keras.layers.Flatten()(images))
    with pytest.raises(ValueError, match="no prunable convolution channels"):
        ChannelPruner().prune(keras.Model(images, outputs), 0.3)


def test_a_target_beyond_reach_names_the_most_that_can_go():
    with pytest.raises(ValueError, match=r"at most 0\.\d+ of this model's MACs"):
        ChannelPruner(channel_multiple=8).prune(_residual_model(), 0.95)


def test_concatenated_channels_are_not_pruned():
    images = keras.Input((8, 8, 3))
    a = keras.layers.Conv2D(8, 3, name="a")(images)
    b = keras.layers.Conv2D(8, 3, name="b")(images)
    joined = keras.layers.Concatenate(name="join")([a, b])
    c = keras.layers.Conv2D(8, 1, name="c")(joined)
    outputs = keras.layers.Dense(2)(keras.layers.GlobalAveragePooling2D()(c))
    graph = ChannelGraph(keras.Model(images, outputs))
    assert [g.producers[0].name for g in graph.prunable_groups()] == ["c"]
    assert "join" in graph.group_of("a", "output").blocked


def test_unknown_criterion_is_refused():
    with pytest.raises(ValueError, match="criterion 'taylor'"):
        ChannelPruner("taylor")
