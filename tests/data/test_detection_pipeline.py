import numpy as np
import tensorflow_datasets as tfds

from tfdefect.data.detection_pipeline import detection_pipeline


def test_batches_match_the_tfds_objects(tiny_chips6):
    raw = list(tfds.as_numpy(tiny_chips6.as_dataset(split="train")))
    batches = list(
        detection_pipeline(
            tiny_chips6.as_dataset(split="train"), batch_size=4, training=False, max_instances=5
        )
    )
    images = np.concatenate([b[0] for b in batches])
    classes = np.concatenate([b[1]["classes"] for b in batches])
    boxes = np.concatenate([b[1]["boxes"] for b in batches])
    masks = np.concatenate([b[1]["masks"] for b in batches])
    assert classes.shape == (8, 5) and masks.shape == (8, 5, 64, 64)
    for i, example in enumerate(raw):
        n = len(example["objects"]["label"])
        np.testing.assert_array_equal(images[i], example["image"])
        np.testing.assert_array_equal(classes[i, :n], example["objects"]["label"] + 1)
        assert (classes[i, n:] == 0).all() and (boxes[i, n:] == 0).all()
        np.testing.assert_array_equal(masks[i, :n], example["objects"]["mask"])


def test_flips_keep_boxes_on_their_masks(tiny_chips6):
    dataset = detection_pipeline(
        tiny_chips6.as_dataset(split="train"), batch_size=2, training=True, max_instances=5, seed=0
    )
    for _images, targets in dataset.take(4):
        for boxes, classes, masks in zip(
            targets["boxes"].numpy(),
            targets["classes"].numpy(),
            targets["masks"].numpy(),
            strict=True,
        ):
            for box, label, mask in zip(boxes, classes, masks, strict=True):
                if label == 0:
                    continue
                ys, xs = np.nonzero(mask)
                np.testing.assert_allclose(
                    box,
                    [ys.min() / 64, xs.min() / 64, (ys.max() + 1) / 64, (xs.max() + 1) / 64],
                    atol=1e-6,
                )
