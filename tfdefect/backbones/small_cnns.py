"""The two hand-written CNN feature extractors of the zoo: LUNA and AlexNet.

Both take (B, H, W, C) pixel values 0..255 and return a (B, h, w, F) feature map; layers of
block ``i`` are named ``block{i}_...`` so that freeze strategies can count blocks.
"""

from __future__ import annotations

import keras

from tfdefect.backbones.pretrained import is_torch_checkpoint, load_backbone_weights
from tfdefect.backbones.torch_layout import conv, max_pool


def luna_features(image_shape, width: int = 8, name: str = "luna", weights=None) -> keras.Model:
    """LUNA (the ZDMP casting zoo's from-scratch model, after "Deep Learning with PyTorch"'s
    LunaModel, in 2D): batch-normalised input, then four blocks of two 3x3 conv + ReLU and
    a 2x2 max-pool, with ``width``, 2x, 4x, 8x channels. Output (B, H/16, W/16, 8*width).
    ``weights``: None (random) or a ``.weights.h5`` of this model."""
    images = keras.Input(image_shape, name="images")
    x = keras.layers.Rescaling(1 / 255.0, name="stem_rescale")(images)
    x = keras.layers.BatchNormalization(name="stem_bn")(x)
    for block in range(4):
        filters = width * 2**block
        for index in range(2):
            x = keras.layers.Conv2D(
                filters, 3, padding="same", activation="relu", name=f"block{block + 1}_conv{index}"
            )(x)
        x = keras.layers.MaxPooling2D(2, name=f"block{block + 1}_pool")(x)
    model = keras.Model(images, x, name=name)
    if weights is not None:
        load_backbone_weights(model, weights)
    return model


def alexnet_features(
    image_shape, name: str = "alexnet", torch_compatible: bool = False, weights=None
) -> keras.Model:
    """AlexNet's five convolution layers in torchvision's layout (64-192-384-256-256
    filters, 11/5/3/3/3 kernels, stride-4 stem, three 3x3/2 max-pools), ImageNet-normalised
    input. The 4096-wide fully connected layers are replaced by the zoo's common head.
    Output (B, ~H/32, ~W/32, 256): 56-28-14-7 maps at 224 px. ``torch_compatible``:
    torchvision's padding (2 on the stem, none on the pools: 55-27-13-6 maps), which its
    converted weights need; False keeps the layout of models saved before. ``weights``: None
    (random), a ``.weights.h5`` of this model, or a torchvision ``.safetensors`` checkpoint
    (or the file ``tfdefect convert-weights`` wrote from one), which implies
    ``torch_compatible``."""
    torch_compatible = torch_compatible or is_torch_checkpoint(weights)
    images = keras.Input(image_shape, name="images")
    x = _imagenet_normalization(images, image_shape[-1])
    layout = [(64, 11, 4, True), (192, 5, 1, True), (384, 3, 1, False), (256, 3, 1, False)]
    layout.append((256, 3, 1, True))
    for block, (filters, kernel, stride, pool) in enumerate(layout, start=1):
        x = conv(
            x,
            filters,
            kernel,
            stride,
            f"block{block}_conv",
            torch_compatible,
            padding=2 if block == 1 else None,
            activation="relu",
        )
        if pool:
            x = max_pool(x, 3, 2, f"block{block}_pool", torch_compatible, padding=0)
    model = keras.Model(images, x, name=name)
    if weights is not None:
        load_backbone_weights(model, weights, architecture="alexnet")
    return model


def _imagenet_normalization(images, channels):
    from tfdefect.constants import IMAGENET_MEAN, IMAGENET_STD
    from tfdefect.layers.image_normalization import ImageNormalization

    if channels != 3:
        return keras.layers.Rescaling(1 / 127.5, offset=-1.0, name="stem_rescale")(images)
    return ImageNormalization(IMAGENET_MEAN, IMAGENET_STD, name="stem_normalize")(images)
