import numpy as np
import tensorflow as tf

from tfdefect.data.segmentation_pipeline import segmentation_pipeline
from tfdefect.layers import ImageNormalization


def _examples(images, masks):
    return tf.data.Dataset.from_tensor_slices({"image": images, "mask": masks})


def test_evaluation_batches_keep_order_and_size(tiny_chips):
    images, masks = tiny_chips
    batches = list(segmentation_pipeline(_examples(images, masks), batch_size=5, training=False))
    assert [b[0].shape[0] for b in batches] == [5, 5, 5, 1]
    np.testing.assert_array_equal(np.concatenate([b[0] for b in batches]), images)
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), masks)


def test_training_crops_are_aligned_and_find_defects(tiny_chips):
    images, masks = tiny_chips
    # channel 0 := mask, so image and mask must stay aligned through crop, flip and rot90
    aligned = images.copy()
    aligned[..., 0] = masks
    dataset = segmentation_pipeline(
        _examples(aligned, masks),
        batch_size=4,
        training=True,
        crop_size=32,
        defect_crop_probability=1.0,
        seed=0,
    )
    with_defect = 0
    for crops, crop_masks in dataset.take(4):
        assert crops.shape == (4, 32, 32, 6) and crop_masks.shape == (4, 32, 32)
        np.testing.assert_array_equal(crops[..., 0], crop_masks)
        with_defect += int(np.sum(np.any(crop_masks.numpy() > 0, axis=(1, 2))))
    defective = np.mean([m.any() for m in masks])
    assert with_defect / 16 > defective - 0.1  # every crop of a defective chip shows it


def test_image_normalization():
    layer = ImageNormalization(mean=[10.0, 20.0, 30.0], std=2.0, reverse_channels=True)
    x = np.array([[[[30.0, 20.0, 10.0]]]], np.float32)
    np.testing.assert_allclose(layer(x), [[[[0.0, 0.0, 0.0]]]])
    restored = ImageNormalization.from_config(layer.get_config())
    assert restored.get_config() == layer.get_config()
