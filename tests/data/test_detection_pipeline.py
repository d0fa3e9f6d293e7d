import numpy as np
import tensorflow as tf
import tensorflow_datasets as tfds

from tfdefect.data.detection_pipeline import (
    boxes_from_masks,
    detection_pipeline,
    random_instance_crop,
    to_detection_example,
)


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


def test_boxes_from_masks_are_tight_and_zero_for_empty_masks():
    masks = np.zeros((3, 10, 20), np.uint8)
    masks[0, 2:5, 3:9] = 1
    masks[1, 9, 19] = 1
    boxes = boxes_from_masks(masks).numpy()
    np.testing.assert_allclose(boxes[0], [0.2, 0.15, 0.5, 0.45], atol=1e-6)
    np.testing.assert_allclose(boxes[1], [0.9, 0.95, 1.0, 1.0], atol=1e-6)
    np.testing.assert_array_equal(boxes[2], 0.0)


def _check_crop(image, targets, crop_size, source_image, source_masks):
    assert image.shape[:2] == (crop_size, crop_size)
    assert targets["masks"].shape[1:] == (crop_size, crop_size)
    # the crop is a window of the source at one offset, for the image and every mask
    window = np.lib.stride_tricks.sliding_window_view(
        source_image, (crop_size, crop_size), axis=(0, 1)
    )
    hits = np.argwhere((window == np.moveaxis(image, -1, 0)[None, None]).all(axis=(2, 3, 4)))
    assert len(hits) >= 1
    top, left = hits[0]
    for box, label, mask, source in zip(
        targets["boxes"], targets["classes"], targets["masks"], source_masks, strict=True
    ):
        expected = source[top : top + crop_size, left : left + crop_size]
        if label == 0:
            assert not mask.any() and not box.any()
            continue
        np.testing.assert_array_equal(mask, expected)
        ys, xs = np.nonzero(mask)
        np.testing.assert_allclose(
            box,
            np.array([ys.min(), xs.min(), ys.max() + 1, xs.max() + 1]) / crop_size,
            atol=1e-6,
        )


def test_random_instance_crop_cuts_image_masks_and_boxes_together(tiny_chips6):
    examples = list(
        detection_pipeline(
            tiny_chips6.as_dataset(split="train"), batch_size=1, training=False, max_instances=5
        ).unbatch()
    )
    with_defects = [e for e in examples if e[1]["classes"].numpy().any()]
    assert with_defects
    near_defect = 0
    for image, targets in with_defects:
        for _ in range(3):
            crop_image, crop_targets = random_instance_crop(image, targets, 32, 1.0)
            crop_targets = {k: v.numpy() for k, v in crop_targets.items()}
            _check_crop(
                crop_image.numpy(), crop_targets, 32, image.numpy(), targets["masks"].numpy()
            )
            near_defect += int(crop_targets["classes"].any())
    # with probability 1 every crop holds the centre of a defect
    assert near_defect == 3 * len(with_defects)


def test_cropped_pipeline_batches_and_fixed_validation_crops(tiny_chips6):
    train = detection_pipeline(
        tiny_chips6.as_dataset(split="train"),
        batch_size=2,
        training=True,
        max_instances=5,
        seed=0,
        crop_size=32,
    )
    images, targets = next(iter(train))
    assert images.shape == (2, 32, 32, 6) and targets["masks"].shape == (2, 5, 32, 32)
    validation = detection_pipeline(
        tiny_chips6.as_dataset(split="train"),
        batch_size=4,
        training=False,
        max_instances=5,
        crop_size=32,
    )
    first = [b[0].numpy() for b in validation]
    second = [b[0].numpy() for b in validation]
    for a, b in zip(first, second, strict=True):
        np.testing.assert_array_equal(a, b)


def _two_epochs(dataset, seed):
    train = detection_pipeline(
        dataset, batch_size=2, training=True, max_instances=5, seed=seed, crop_size=32
    )
    return [images.numpy() for _ in range(2) for images, _ in train]


def test_a_seed_fixes_shuffle_flips_and_crops_but_epochs_differ(tiny_chips6):
    dataset = tiny_chips6.as_dataset(split="train")
    first, again, other = _two_epochs(dataset, 3), _two_epochs(dataset, 3), _two_epochs(dataset, 4)
    for a, b in zip(first, again, strict=True):
        np.testing.assert_array_equal(a, b)
    assert any(not np.array_equal(a, b) for a, b in zip(first, other, strict=True))
    half = len(first) // 2
    assert any(not np.array_equal(a, b) for a, b in zip(first[:half], first[half:], strict=True))


def test_crowd_regions_are_padding_in_training_and_flagged_for_evaluation():
    masks = np.zeros((2, 16, 16), bool)
    masks[0, :4, :4] = masks[1, 8:, 8:] = True
    example = {
        "image": tf.zeros((16, 16, 6), tf.uint8),
        "objects": {
            "bbox": tf.constant([[0, 0, 0.25, 0.25], [0.5, 0.5, 1, 1]], tf.float32),
            "label": tf.constant([0, 2], tf.int64),
            "mask": tf.constant(masks),
            "is_crowd": tf.constant([False, True]),
        },
    }
    _, training = to_detection_example(example, max_instances=3)
    assert training["classes"].numpy().tolist() == [1, 0, 0] and "crowd" not in training
    _, evaluation = to_detection_example(example, max_instances=3, keep_crowd=True)
    assert evaluation["classes"].numpy().tolist() == [1, 3, 0]
    assert evaluation["crowd"].numpy().tolist() == [False, True, False]
