"""PaDiM with random backbone weights: how much does the result move with the init seed?

    python bench/padim_seeds.py                                  # resnet18, both generators
    python bench/padim_seeds.py --generators texture --seeds 0 1 2 3 4 5 \
        --variants keras torch:200 --backbone wide_resnet50

A variant is ``init[:embedding_dims]``: "keras" (glorot-uniform convs, every BatchNorm
at gamma 1) or "torch" (timm's He normal on fan_out, the last BatchNorm of each residual
block at gamma 0: the features anomalib's random-weight PaDiM extracts), and the channels
kept (default: the preset's). For every generator, variant and seed
(``keras.utils.set_random_seed`` and the channel-subset seed, as the recipe does), PaDiM is
fitted on the generator's good training images and scored on a validation and a test set
drawn apart: image AUROC (score = maximum of the smoothed map, the recipe's and anomalib's
rule) and pixel AUROC (scikit-learn). ``--hold weights`` / ``--hold subset`` keeps one of
the two (weights, channel subset) at seed 0, to tell which one moves the result. Choose on the
validation columns; the summary gives each variant's min-max and population standard
deviation over the seeds.

Generators: ``pcb`` is the recipe's board (``pcb_anomaly`` synthetic: one aligned design,
missing / misplaced parts); ``texture`` is a stationary woven-fabric texture drawn here, not
aligned from image to image (random phase and up to 4 degrees of rotation), with stains
(ellipses of 6-14 px semi-axes), cuts (2 px wide) and loose threads (3 px) 20-40 px long,
and holes 6-14 px across, closer to MVTec AD's texture categories.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import cv2
import numpy as np

TEXTURE_DEFECTS = ("stain", "cut", "hole", "thread")


def render_texture(rng: np.random.Generator, size: int, defect: str | None):
    """One photograph of woven fabric: (H, W, 3) uint8 RGB and (H, W) uint8 mask (255 on
    the defect)."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    angle = np.deg2rad(rng.uniform(-4, 4))
    u = xx * np.cos(angle) + yy * np.sin(angle) + rng.uniform(0, 100)
    v = -xx * np.sin(angle) + yy * np.cos(angle) + rng.uniform(0, 100)
    period = 8.0 * size / 224
    warp = np.sin(2 * np.pi * u / period)
    weft = np.sin(2 * np.pi * v / period)
    over = np.sin(np.pi * u / period) * np.sin(np.pi * v / period) > 0  # plain weave
    weave = np.where(over, np.abs(warp), np.abs(weft))
    fibres = cv2.GaussianBlur(rng.normal(0, 1, (size, size)).astype(np.float32), (0, 0), 1.2)
    light = 1 + 0.08 * (xx / size - 0.5) * rng.uniform(-1, 1)
    grey = (0.55 + 0.25 * weave + 0.10 * fibres) * light
    colour = np.array([0.78, 0.66, 0.50], np.float32) * rng.uniform(0.97, 1.03, 3)
    image = grey[..., None] * colour
    mask = np.zeros((size, size), np.uint8)
    scale = size / 224
    if defect is not None:
        centre = rng.uniform(0.2, 0.8, 2) * size
        if defect == "stain":
            axes = (rng.uniform(6, 14, 2) * scale).astype(int)
            cv2.ellipse(
                mask, tuple(centre.astype(int)), tuple(axes), rng.uniform(0, 180), 0, 360, 255, -1
            )
            soft = cv2.GaussianBlur(mask.astype(np.float32) / 255, (0, 0), 2)[..., None]
            image = image * (1 - 0.25 * soft) + 0.25 * soft * np.array([0.45, 0.30, 0.20])
        elif defect in ("cut", "thread"):
            length = rng.uniform(20, 40) * scale
            direction = rng.uniform(0, np.pi)
            start = centre - length / 2 * np.array([np.cos(direction), np.sin(direction)])
            end = centre + length / 2 * np.array([np.cos(direction), np.sin(direction)])
            bend = rng.normal(0, 4 * scale, 2) if defect == "thread" else np.zeros(2)
            steps = np.linspace(0, 1, 12)[:, None]
            points = (start + (end - start) * steps + bend * np.sin(np.pi * steps)).astype(np.int32)
            width = max(1, int(round((2 if defect == "cut" else 3) * scale)))
            cv2.polylines(mask, [points], False, 255, width)
            line = mask[..., None].astype(np.float32) / 255
            shade = 0.35 if defect == "cut" else 1.15
            image = image * (1 - line) + line * np.clip(image * shade, 0, 1)
        elif defect == "hole":
            radius = int(rng.uniform(3, 7) * scale)
            cv2.circle(mask, tuple(centre.astype(int)), radius, 255, -1)
            hole = mask[..., None].astype(np.float32) / 255
            image = image * (1 - hole) + hole * 0.12
        else:
            raise ValueError(f"unknown defect {defect!r}; valid: {', '.join(TEXTURE_DEFECTS)}")
    image = image + rng.normal(0, 0.01, image.shape)
    return (np.clip(image, 0, 1) * 255).astype(np.uint8), mask


def generate(generator: str, size: int, train: int, test_good: int, test_bad: int, seed: int):
    """(train images, {"validation": set, "test": set}) from one generator, each set
    (images, masks, labels) of test_good good and test_bad defective images."""
    if generator == "pcb":
        from tfdefect.datasets.pcb_anomaly.synthetic import (
            DEFECT_TYPES,
            PcbSynthesisConfig,
            make_design,
            render_board,
        )

        config = PcbSynthesisConfig(image_size=size)
        design = make_design(config)

        def render(rng, defect):
            return render_board(rng, design, defect, config)

        defects = DEFECT_TYPES
    elif generator == "texture":

        def render(rng, defect):
            return render_texture(rng, size, defect)

        defects = TEXTURE_DEFECTS
    else:
        raise ValueError(f"unknown generator {generator!r}; valid: pcb, texture")
    train_images = np.stack(
        [render(np.random.default_rng([seed, 0, i]), None)[0] for i in range(train)]
    )
    kinds = [None] * test_good + [defects[i % len(defects)] for i in range(test_bad)]
    sets = {}
    for stream, split in ((2, "validation"), (1, "test")):
        pairs = [
            render(np.random.default_rng([seed, stream, i]), kind) for i, kind in enumerate(kinds)
        ]
        sets[split] = (
            np.stack([p[0] for p in pairs]),
            np.stack([p[1] for p in pairs]) > 0,
            np.array([kind is not None for kind in kinds], int),
        )
    return train_images, sets


def run_padim(backbone, variant, seed, data, size, hold=None, batch=16):
    import keras
    import tensorflow as tf
    from sklearn.metrics import roc_auc_score

    from tfdefect.models.padim import Padim

    train_images, sets = data
    initialization, *dims = variant.split(":")
    # --hold keeps one of the two sources of randomness at seed 0 while the other follows
    keras.utils.set_random_seed(0 if hold == "weights" else seed)
    model = Padim(
        backbone,
        (size, size, 3),
        seed=0 if hold == "subset" else seed,
        backbone_initialization=initialization,
        embedding_dims=int(dims[0]) if dims else None,
    )
    start = time.perf_counter()
    model.fit_gaussian(tf.data.Dataset.from_tensor_slices(train_images).batch(batch), verbose=False)
    result = {"fit_s": time.perf_counter() - start}
    for split, (images, masks, labels) in sets.items():
        scores, maps = [], []
        for index in range(0, len(images), batch):
            out = model(images[index : index + batch])
            scores.append(out["score"].numpy())
            maps.append(out["anomaly_map"].numpy())
        scores, maps = np.concatenate(scores), np.concatenate(maps)
        result[f"{split}_image_AUROC"] = float(roc_auc_score(labels, scores))
        result[f"{split}_pixel_AUROC"] = float(roc_auc_score(masks.ravel(), maps.ravel()))
    keras.backend.clear_session()
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--generators", nargs="+", default=["pcb", "texture"], choices=["pcb", "texture"]
    )
    parser.add_argument("--backbone", default="resnet18")
    parser.add_argument(
        "--variants",
        nargs="+",
        default=["keras", "torch"],
        help="init[:embedding_dims]: init keras|torch, embedding_dims default the preset's",
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3])
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--train", type=int, default=100)
    parser.add_argument(
        "--test-good", type=int, default=40, help="good images per validation and per test set"
    )
    parser.add_argument(
        "--test-bad", type=int, default=40, help="defective images per validation and test set"
    )
    parser.add_argument("--data-seed", type=int, default=0, help="the generators' seed")
    parser.add_argument(
        "--hold",
        choices=["weights", "subset"],
        help="keep the backbone weights (or the channel subset) at seed 0, so only the other "
        "follows --seeds",
    )
    parser.add_argument("--json", help="also write the runs and the table to this JSON file")
    args = parser.parse_args()

    print(f"machine: {platform.processor() or platform.machine()}, {platform.system()}")
    rows = []
    keys = [
        f"{split}_{kind}_AUROC" for split in ("validation", "test") for kind in ("image", "pixel")
    ]
    print("| generator | variant | seed | " + " | ".join(keys) + " | fit s |")
    print("| --- " * (len(keys) + 4) + "|")
    for generator in args.generators:
        data = generate(
            generator, args.size, args.train, args.test_good, args.test_bad, args.data_seed
        )
        for variant in args.variants:
            for seed in args.seeds:
                result = run_padim(args.backbone, variant, seed, data, args.size, args.hold)
                rows.append({"generator": generator, "variant": variant, "seed": seed, **result})
                cells = " | ".join(f"{result[key]:.3f}" for key in keys)
                print(
                    f"| {generator} | {variant} | {seed} | {cells} | {result['fit_s']:.1f} |",
                    flush=True,
                )
    payload = {"settings": vars(args), "runs": rows}
    text = table(payload)
    print("\n" + text)
    if args.json:
        from tfdefect.bench.machine import describe_machine
        from tfdefect.bench.report import write_bench_json

        write_bench_json(args.json, describe_machine(), {**payload, "table": text})


def table(payload: dict) -> str:
    """Markdown: min-max (population standard deviation) over the seeds of each AUROC, per
    generator and initialisation."""
    from tfdefect.bench.report import markdown_table

    settings, runs = payload["settings"], payload["runs"]
    splits = [("validation", "validation"), ("test", "test")]
    keys = [f"{split}_{kind}_AUROC" for split, _ in splits for kind in ("image", "pixel")]
    labels = ["validation image AUROC", "validation pixel", "test image AUROC", "test pixel"]
    rows = []
    for generator in settings["generators"]:
        for variant in settings["variants"]:
            chosen = [r for r in runs if r["generator"] == generator and r["variant"] == variant]
            if not chosen:
                continue
            cells = []
            for key in keys:
                values = [r[key] for r in chosen]
                spread = statistics.pstdev(values) if len(values) > 1 else 0.0
                cells.append(f"{min(values):.3f}-{max(values):.3f} ({spread:.3f})")
            rows.append([generator, variant, *cells])
    return markdown_table(["generator", "init", *labels], rows)


if __name__ == "__main__":
    from tfdefect.console import console_logging

    with console_logging():
        main()
