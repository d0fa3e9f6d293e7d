"""Trains a tiny U-Net for 2 epochs under --strategy; prints one JSON line. Test helper."""

import json
import sys

from tfdefect.training.strategy import make_strategy


def main(strategy_name: str, workdir: str) -> None:
    import keras

    keras.config.disable_traceback_filtering()
    strategy = make_strategy(strategy_name, logical_cpus=2)
    import numpy as np
    import tensorflow as tf

    from tfdefect.datasets.chips6.synthetic import ChipSynthesisConfig, render_chip
    from tfdefect.losses import DiceFocalLoss
    from tfdefect.models.segmenters import UNetSegmenter
    from tfdefect.training import TrainConfig, fit_model

    synthesis = ChipSynthesisConfig(image_size=32, max_defect_size=8, min_defect_size=4)
    chips = [render_chip(np.random.default_rng(i), synthesis) for i in range(8)]
    data = tf.data.Dataset.from_tensor_slices(
        (
            np.stack([c.image for c in chips]).astype(np.float32),
            np.stack([c.semantic_mask for c in chips]).astype(np.int32),
        )
    ).batch(4)
    with strategy.scope():
        model = UNetSegmenter(image_shape=(32, 32, 6), filters=(4, 8))
        model.compile(optimizer="adam", loss=DiceFocalLoss())
    history = fit_model(
        model,
        data,
        data,
        TrainConfig(epochs=2, monitor="val_loss", monitor_mode="min", tensorboard=False),
        workdir,
    )
    print(
        json.dumps(
            {
                "replicas": strategy.num_replicas_in_sync,
                "epochs": history.epoch,
                "loss": history.history["loss"],
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
