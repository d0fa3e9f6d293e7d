"""Torch parity fixtures for ``tests/backbones/test_torch_parity.py`` (not run by CI).

Where torch, torchvision and timm are installed (a development machine; from the package
registry), this builds each convertible architecture with seeded random weights
(``tests/backbones/random_state.py``, rebuilt the same way without torch by the tests),
runs it on a fixed input and saves only the outputs as small ``.npy`` files, with the
tensor names and shapes and the library versions in ``meta.json``:

    python scripts/make_torch_fixtures.py [--out tests/backbones/fixtures]
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tests.backbones.random_state import fixture_input, random_state  # noqa: E402

SEED = 0
# architecture -> (builder source, input shape N, C, H, W)
ARCHITECTURES = {
    "resnet18": ("timm:resnet18", (1, 3, 64, 64)),
    "resnet34": ("timm:resnet34", (1, 3, 64, 64)),
    "resnet25": ("timm:resnet26", (1, 3, 64, 64)),
    "resnet50": ("timm:resnet50", (1, 3, 64, 64)),
    "wide_resnet50_2": ("timm:wide_resnet50_2", (1, 3, 64, 64)),
    "alexnet": ("torchvision:alexnet", (1, 3, 224, 224)),
    "vit_b16": ("timm:vit_base_patch16_224", (1, 3, 224, 224)),
    "deit_s16": ("timm:deit_small_patch16_224", (1, 3, 224, 224)),
    "deit_s16_distilled": ("timm:deit_small_distilled_patch16_224", (1, 3, 224, 224)),
    "swin_t": ("timm:swin_tiny_patch4_window7_224", (1, 3, 224, 224)),
    # another input size: the position table resampled as timm does (4x4 patches)
    "vit_b16@64": ("timm:vit_base_patch16_224", (1, 3, 64, 64)),
}


def _model(source, image_size=None):
    library, name = source.split(":")
    if library == "timm":
        import timm

        options = {"img_size": image_size} if image_size else {}
        return timm.create_model(name, pretrained=False, **options)
    import torchvision

    return getattr(torchvision.models, name)(weights=None)


def _outputs(model, architecture, x):
    import torch

    with torch.no_grad():
        if architecture == "alexnet":
            return {"features": model.features(x)}
        if architecture == "swin_t":  # pre-logits: final norm, global average pooling
            return {
                "pre_logits": model.forward_head(model.forward_features(x), pre_logits=True)[
                    :, :, None, None
                ]
            }
        if architecture.startswith(("vit", "deit")):  # pre-logits: the class token(s)
            tokens = model.forward_features(x)
            prefix = 2 if "distilled" in architecture else 1
            return {"pre_logits": tokens[:, :prefix].mean(dim=1)[:, :, None, None]}
        x = model.maxpool(model.act1(model.bn1(model.conv1(x))))
        outputs = {}
        for stage in range(1, 5):
            x = getattr(model, f"layer{stage}")(x)
            outputs[f"P{stage + 1}"] = x
        return outputs


def main(argv=None):
    import timm
    import torch
    import torchvision

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="tests/backbones/fixtures")
    args = parser.parse_args(argv)
    for architecture, (source, input_shape) in ARCHITECTURES.items():
        model = _model(source).eval()
        shapes = {k: list(v.shape) for k, v in model.state_dict().items()}
        state = random_state(SEED, shapes)
        model.load_state_dict({k: torch.from_numpy(v) for k, v in state.items()})
        if "@" in architecture:  # the 224 px checkpoint into a model of another size
            from timm.layers import resample_abs_pos_embed

            size = input_shape[2]
            model = _model(source, size).eval()
            resized = dict(state)
            resized["pos_embed"] = resample_abs_pos_embed(
                torch.from_numpy(state["pos_embed"]), (size // 16, size // 16), num_prefix_tokens=1
            ).numpy()
            model.load_state_dict({k: torch.from_numpy(v) for k, v in resized.items()})
        x = torch.from_numpy(fixture_input(SEED, input_shape))
        folder = os.path.join(args.out, architecture)
        os.makedirs(folder, exist_ok=True)
        outputs = _outputs(model, architecture, x)
        for name, value in outputs.items():
            np.save(os.path.join(folder, f"{name}.npy"), value.numpy().astype(np.float32))
        meta = {
            "architecture": architecture,
            "source": source,
            "seed": SEED,
            "input_shape": list(input_shape),
            "outputs": sorted(outputs),
            "shapes": shapes,
            "versions": {
                "torch": torch.__version__,
                "torchvision": torchvision.__version__,
                "timm": timm.__version__,
                "numpy": np.__version__,
            },
        }
        with open(os.path.join(folder, "meta.json"), "w") as handle:
            json.dump(meta, handle, indent=1)
        sizes = {k: tuple(v.shape) for k, v in outputs.items()}
        print(f"{architecture}: {len(shapes)} tensors, outputs {sizes}")


if __name__ == "__main__":
    main()
