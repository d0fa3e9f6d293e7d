"""keras.applications backbones (EfficientNetV2, ConvNeXt, MobileNetV2) as feature
extractors on 0..255 pixels, with tfdefect's ``weights=None | "imagenet" | path``."""

from __future__ import annotations

import keras

from tfdefect.backbones.onnx_friendly import make_onnx_friendly
from tfdefect.backbones.pretrained import (
    build_application,
    inline_normalization_constants,
    load_backbone_weights,
)


def application_features(factory, image_shape, weights=None, **fixed) -> keras.Model:
    """``factory(include_top=False, **fixed)`` (e.g. ``keras.applications.ConvNeXtTiny`` with
    ``include_preprocessing=True``) rewritten to convert to ONNX (``make_onnx_friendly``,
    ``inline_normalization_constants``). ``weights``: None, "imagenet" (3 channels, needs
    internet) or a ``.weights.h5`` of the rewritten model.

    Input (B, H, W, C) pixels 0..255 (the application normalises); output its last feature
    map (B, h, w, F)."""
    local = weights not in (None, "imagenet")
    model = build_application(
        factory,
        weights=None if local else weights,
        input_channels=image_shape[-1],
        include_top=False,
        input_shape=tuple(image_shape),
        **fixed,
    )
    model = make_onnx_friendly(model)
    inline_normalization_constants(model)
    if local:
        load_backbone_weights(model, weights)
    return model


def mobilenet_v2_features(image_shape, weights=None, alpha=1.0, input_scale=1) -> keras.Model:
    """MobileNetV2 (the edge model of the wafer seed); grey inputs are repeated to three
    channels inside the model so that ImageNet weights apply. ``input_scale`` > 1 enlarges
    the image (bilinear) before the network: its first two stride-2 layers otherwise blur
    a 2-3 px defect of a 96 px image into a fraction of a feature-map cell. ``weights``:
    None, "imagenet" (needs internet) or a ``.weights.h5`` of this model.

    Input (B, H, W, 1 or 3) pixels 0..255; output (B, H*s/32, W*s/32, 1280 * max(1, alpha))."""
    images = keras.Input(image_shape, name="images")
    x = images
    if image_shape[-1] == 1:
        x = keras.layers.Concatenate(name="stem_grey_to_rgb")([x, x, x])
    x = keras.layers.Rescaling(1 / 127.5, offset=-1.0, name="stem_rescale")(x)
    size = (image_shape[0] * input_scale, image_shape[1] * input_scale)
    if input_scale > 1:
        x = keras.layers.Resizing(*size, interpolation="bilinear", name="stem_upsample")(x)
    local = weights not in (None, "imagenet")
    base = build_application(
        keras.applications.MobileNetV2,
        weights=None if local else weights,
        input_channels=3,
        include_top=False,
        input_shape=(*size, 3),
        alpha=alpha,
    )
    model = keras.Model(images, base(x), name="mobilenetv2")
    if local:
        load_backbone_weights(model, weights)
    return model
