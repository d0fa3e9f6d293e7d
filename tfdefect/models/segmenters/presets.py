"""Defaults that are data: input normalisation per weight source.

chips6 channels are uint8 views whose useful range is the full 0..255, so they are mapped
to about [-2, 2]. ImageNet-trained keras.applications ResNet50 expects Caffe preprocessing
(BGR order, mean subtraction in pixel units, no scaling), as in He et al. 2016.
"""

NORMALIZATION_PRESETS = {
    "chips6": {"mean": 127.5, "std": 64.0, "reverse_channels": False},
    "imagenet_caffe": {"mean": [103.939, 116.779, 123.68], "std": 1.0, "reverse_channels": True},
}


def normalization_for(weights) -> dict:
    """The normalisation preset that matches a backbone's ``weights`` argument."""
    return dict(NORMALIZATION_PRESETS["imagenet_caffe" if weights == "imagenet" else "chips6"])
