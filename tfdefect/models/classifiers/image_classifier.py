"""One image classifier class for every architecture of the transfer-learning zoo."""

from __future__ import annotations

import warnings

import keras

from tfdefect.backbones.pretrained import is_torch_checkpoint
from tfdefect.models.classifiers.backbone_zoo import ALIASES, ZOO, resolve_alias
from tfdefect.models.classifiers.freeze import walk_layers
from tfdefect.registry import register_model
from tfdefect.serialization import register

POOLING = {"average": keras.layers.GlobalAveragePooling2D, "max": keras.layers.GlobalMaxPooling2D}

# zoo backbones whose torch checkpoints convert (their builders take torch_layout); their
# names are the tfdefect convert-weights --architecture names (deit_undistilled too)
TORCH_CONVERTIBLE = ("alexnet", "resnet18", "vit", "deit", "swin_t")


@register
class ImageClassifier(keras.Model):
    """A zoo backbone, global pooling (for feature maps), dropout and a softmax head.

    Args:
        backbone: one of ``ZOO`` (luna, alexnet, resnet18, efficientnetv2, convnext,
            vit, deit, swin_t, mobilenetv2) or of ``backbone_zoo.ALIASES``: "deit" is the
            distilled DeiT; "deit_undistilled" the DeiT without the distillation token
            (``deit`` with ``backbone_options={"distillation_token": False}``, which the
            config keeps), "deit_distilled" another name of "deit".
        num_classes: K (2 for ok / def).
        image_shape: (H, W, C), any size the architecture accepts (ViT: multiples of the
            patch, Swin: multiples of 32) and any channel count (ImageNet weights: 3).
        backbone_weights: None (random), "imagenet" (efficientnetv2, convnext, mobilenetv2:
            keras.applications, needs internet) or a local ``.weights.h5`` of this backbone
            (``save_backbone_weights``). Torch ImageNet weights load into alexnet, resnet18,
            vit, deit (and deit_undistilled) and swin_t: a torchvision / timm
            ``.safetensors`` checkpoint (converted on load) or the ``.weights.h5`` of
            ``tfdefect convert-weights --architecture <backbone>`` (for ViT / DeiT / Swin
            converted at this image size: ``--image-size H W``; another size is refused
            with that command). Other backbones refuse torch weights.
        dropout: before the head.
        pooling: "average" (the usual head) or "max" of the final feature map: a defect
            covering a few pixels of a repetitive pattern (wafer SEM) then decides the
            image alone, instead of being averaged with the pattern around it.
        backbone_options: architecture keyword overrides (e.g. ``{"depth": 2, "dim": 64}``
            for a small ViT).
        batch_norm_momentum: None keeps each architecture's BatchNormalization momentum
            (MobileNetV2 0.999, EfficientNetV2 0.99); 0.9 suits short training from scratch,
            where moving statistics at 0.999 lag far behind the weights after a few hundred
            steps and inference-mode outputs collapse.

    Inputs: (B, H, W, C) pixel values 0..255 (each backbone normalises in graph).
    Outputs: (B, K) class probabilities (served as ``class_probabilities``).
    """

    task = "classification"  # what the exports and `tfdefect.load` serve it as

    def __init__(
        self,
        backbone="resnet18",
        num_classes=2,
        image_shape=(224, 224, 3),
        backbone_weights=None,
        dropout=0.2,
        backbone_options=None,
        batch_norm_momentum=None,
        pooling="average",
        **kwargs,
    ):
        backbone, backbone_weights = _renamed_arguments(kwargs, backbone, backbone_weights)
        backbone, backbone_options = resolve_alias(backbone, backbone_options)
        if backbone not in ZOO:
            names = ", ".join([*ZOO, *ALIASES])
            raise ValueError(f"unknown backbone {backbone!r}; choose from {names}")
        if pooling not in POOLING:
            raise ValueError(f"pooling {pooling!r}: choose from {', '.join(POOLING)}")
        spec = ZOO[backbone]
        backbone_name = backbone
        backbone_options = dict(backbone_options or {})
        if is_torch_checkpoint(backbone_weights):
            _check_torch_convertible(backbone, backbone_weights)
            backbone_options["torch_layout"] = True  # kept in the config: reloads alike
        # === Layers ===
        backbone = spec.build(tuple(image_shape), weights=backbone_weights, **backbone_options)
        backbone.name = "backbone"  # fixed, so that weights files and freezing find it
        if batch_norm_momentum is not None:
            for layer in walk_layers(backbone):
                if isinstance(layer, keras.layers.BatchNormalization):
                    layer.momentum = batch_norm_momentum
        # === Functional model ===
        images = keras.Input(image_shape, name="images")
        features = backbone(images)
        if len(features.shape) == 4:
            features = POOLING[pooling](name="head_pool")(features)
        features = keras.layers.Dropout(dropout, name="head_dropout")(features)
        probabilities = keras.layers.Dense(
            num_classes, activation="softmax", name="class_probabilities"
        )(features)
        super().__init__(images, probabilities, **kwargs)
        # === Config ===
        self.backbone = backbone  # the Keras model (keras-hub's Task.backbone)
        self.backbone_name = backbone_name
        self.num_classes = num_classes
        self.image_shape = tuple(image_shape)
        self.dropout = dropout
        self.backbone_options = dict(backbone_options or {})
        self.batch_norm_momentum = batch_norm_momentum
        self.pooling = pooling
        self.block_pattern = spec.block_pattern

    def save_backbone_weights(self, path: str) -> str:
        """Write the backbone's weights (``.weights.h5``) for ``backbone_weights=path`` later."""
        self.backbone.save_weights(path)
        return path

    def get_config(self):
        return {
            "backbone": self.backbone_name,
            "num_classes": self.num_classes,
            "image_shape": self.image_shape,
            "dropout": self.dropout,
            "backbone_options": self.backbone_options,
            "batch_norm_momentum": self.batch_norm_momentum,
            "pooling": self.pooling,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if "architecture" in config:  # .keras files saved by tfdefect 0.1
            config["backbone"] = config.pop("architecture")
        return cls(**config)


def _check_torch_convertible(backbone: str, weights: str) -> None:
    """Refuse torch weights for a backbone that no torch checkpoint converts into."""
    if backbone not in TORCH_CONVERTIBLE:
        raise ValueError(
            f"{weights}: torch weights do not load into the {backbone} backbone; torch "
            f"checkpoints convert for {', '.join(TORCH_CONVERTIBLE)} and deit_undistilled "
            "(give a .weights.h5 saved from this backbone, or 'imagenet' where it exists)"
        )


def _renamed_arguments(kwargs: dict, backbone, backbone_weights):
    """Accept the 0.1 spellings ``architecture=`` / ``weights=`` for one release."""
    for old, new in (("architecture", "backbone"), ("weights", "backbone_weights")):
        if old in kwargs:
            warnings.warn(
                f"ImageClassifier({old}=...) is now {new}=...", DeprecationWarning, stacklevel=3
            )
            value = kwargs.pop(old)
            backbone = value if new == "backbone" else backbone
            backbone_weights = value if new == "backbone_weights" else backbone_weights
    return backbone, backbone_weights


def _register(backbone):
    def build(**kwargs):
        return ImageClassifier(backbone=backbone, **kwargs)

    build.__doc__ = f"ImageClassifier(backbone={backbone!r}, ...)"
    register_model(f"classifier_{backbone}")(build)


for _backbone in ZOO:
    _register(_backbone)
