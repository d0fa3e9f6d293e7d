"""PaDiM feature-extractor presets (Defard et al. 2020, arXiv 2011.08785).

Each backbone lists the layers whose outputs are concatenated (strides 4, 8, 16, the
paper's layer1..layer3 for ResNets) and the number of embedding channels kept by the
random subset. ``embedding_dims`` is the paper's value where it gives one (ResNet18 100,
Wide ResNet-50-2 550); for EfficientNets the paper has none and
tfdefect uses 100.
"""

EFFICIENTNET_VARIANTS = tuple(f"efficientnetb{i}" for i in range(8))

PADIM_PRESETS = {
    **{
        name: {
            "family": "efficientnet",
            # the last layer of blocks 2, 3 and 5: the ends of the stride 4, 8, 16 stages
            "stages": ("block2", "block3", "block5"),
            "embedding_dims": 100,
            "embedding_dims_source": "tfdefect choice (the paper has no EfficientNet)",
        }
        for name in EFFICIENTNET_VARIANTS
    },
    "resnet18": {
        "family": "resnet",
        "stages": ("P2", "P3", "P4"),
        "embedding_dims": 100,
        "embedding_dims_source": "PaDiM paper, ResNet18 (448 -> 100)",
    },
    "wide_resnet50": {
        "family": "resnet",
        "stages": ("P2", "P3", "P4"),
        "embedding_dims": 550,
        "embedding_dims_source": "PaDiM paper, Wide ResNet-50-2 (1792 -> 550)",
    },
}
