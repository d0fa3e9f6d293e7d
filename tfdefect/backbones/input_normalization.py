"""Input normalisation per weight source (data, not presets: one per ``weights`` kind),
shared by the segmenters and Mask R-CNN.

chips6 channels are uint8 views whose useful range is the full 0..255, so they are mapped
to about [-2, 2]. ImageNet-trained keras.applications ResNet50 expects Caffe preprocessing
(BGR order, mean subtraction in pixel units, no scaling), as in He et al. 2016.
"""

from tfdefect.constants import IMAGENET_CAFFE_BGR_MEAN, IMAGENET_MEAN, IMAGENET_STD

NORMALIZATIONS = {
    "chips6": {"mean": 127.5, "std": 64.0, "reverse_channels": False},
    "imagenet_caffe": {
        "mean": list(IMAGENET_CAFFE_BGR_MEAN),
        "std": 1.0,
        "reverse_channels": True,
    },
    # torchvision / timm checkpoints: RGB, ImageNet mean / std (already in 0..255 units)
    "imagenet_torch": {
        "mean": list(IMAGENET_MEAN),
        "std": list(IMAGENET_STD),
        "reverse_channels": False,
    },
}


def normalization_for(weights) -> dict:
    """The normalisation that matches a backbone's ``weights`` argument: Caffe for
    keras.applications' "imagenet", torch's for a converted torch checkpoint, else chips6's."""
    from tfdefect.backbones.pretrained import is_torch_checkpoint

    if weights == "imagenet":
        return dict(NORMALIZATIONS["imagenet_caffe"])
    if is_torch_checkpoint(weights):
        return dict(NORMALIZATIONS["imagenet_torch"])
    return dict(NORMALIZATIONS["chips6"])
