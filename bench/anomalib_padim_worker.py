"""anomalib's PaDiM timed for comparison; run by bench/padim.py with the Python of an
environment that has anomalib (torch and tfdefect never share one environment).

    /path/to/anomalib-venv/bin/python bench/anomalib_padim_worker.py --backbone resnet18 \
        --size 224 --threads 2 --batches 1 32

Prints one JSON line: anomalib version, torch version, images/s per batch size. Random
backbone weights and a Gaussian fitted on random images (speed does not depend on them).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--backbone", default="resnet18")
    parser.add_argument("--size", type=int, default=224)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 32])
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args()

    import anomalib
    import torch
    from anomalib.models.image.padim.torch_model import PadimModel

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = PadimModel(backbone=args.backbone, pre_trained=False)
    model.train()
    with torch.no_grad():
        for _ in range(2):
            model(torch.rand(16, 3, args.size, args.size))
    model.fit()
    model.eval()
    rates = {}
    for batch in args.batches:
        images = torch.rand(batch, 3, args.size, args.size)
        with torch.inference_mode():
            model(images)  # warm-up
            times = []
            for _ in range(args.repeats):
                started = time.perf_counter()
                model(images)
                times.append(time.perf_counter() - started)
        rates[str(batch)] = batch / statistics.median(times)
    print(
        json.dumps(
            {
                "anomalib": anomalib.__version__,
                "torch": torch.__version__,
                "threads": args.threads,
                "images_per_s": rates,
            }
        )
    )


if __name__ == "__main__":
    from tfdefect.console import console_logging

    with console_logging():
        main()
