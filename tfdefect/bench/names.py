"""Names the benchmark tables give the library's models."""

# the zoo's architecture names (``tfdefect.models.classifiers.ZOO`` keys and MobileNetV2)
CLASSIFIER_NAMES = {
    "luna": "LUNA",
    "alexnet": "AlexNet",
    "resnet18": "ResNet18",
    "efficientnetv2": "EfficientNetV2-B0",
    "convnext": "ConvNeXt-T",
    "vit": "ViT-B/16",
    "deit": "DeiT-S/16",
    "swin_t": "Swin-T",
    "mobilenetv2": "MobileNetV2",
}
