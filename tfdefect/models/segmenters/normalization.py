"""Input normalisation per weight source (data, not presets: one per ``weights`` kind).

chips6 channels are uint8 views whose useful range is the full 0..255, so they are mapped
to about [-2, 2]. ImageNet-trained keras.applications ResNet50 expects Caffe preprocessing
(BGR order, mean subtraction in pixel units, no scaling), as in He et al. 2016.
"""

from tfdefect.constants import IMAGENET_CAFFE_BGR_MEAN

NORMALIZATIONS = {
    "chips6": {"mean": 127.5, "std": 64.0, "reverse_channels": False},
    "imagenet_caffe": {
        "mean": list(IMAGENET_CAFFE_BGR_MEAN),
        "std": 1.0,
        "reverse_channels": True,
    },
}


def normalization_for(weights) -> dict:
    """The normalisation that matches a backbone's ``weights`` argument."""
    return dict(NORMALIZATIONS["imagenet_caffe" if weights == "imagenet" else "chips6"])
