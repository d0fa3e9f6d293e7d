import cv2
import numpy as np
import pytest
import tensorflow_datasets as tfds

from tfdefect.datasets.casting.manual import list_casting
from tfdefect.datasets.casting.synthetic import DEFECT_KINDS, render_casting
from tfdefect.datasets.tfds_builders import builder_module


def _folders(root, per_class=2, size=40):
    rng = np.random.default_rng(0)
    for split in ("train", "test"):
        for folder in ("def_front", "ok_front"):
            (root / split / folder).mkdir(parents=True)
            for i in range(per_class):
                image = rng.integers(0, 255, (size, size, 3), np.uint8)
                cv2.imwrite(str(root / split / folder / f"cast_{folder[:3]}_{i}.jpeg"), image)


def test_manual_folders_build_with_labels(tmp_path):
    manual = tmp_path / "casting_data"
    _folders(manual)
    module = builder_module("casting")
    config = module.CastingConfig(name="manual_small", manual=True, image_size=32)
    builder = module.Builder(config=config, data_dir=str(tmp_path / "tfds"))
    builder.download_and_prepare(
        download_config=tfds.download.DownloadConfig(manual_dir=str(tmp_path))
    )
    assert set(builder.info.splits) == {"train", "test"}
    examples = list(tfds.as_numpy(builder.as_dataset(split="train")))
    assert len(examples) == 4 and all(e["image"].shape == (32, 32, 3) for e in examples)
    labels = {e["filename"].decode().split("/")[1]: e["label"] for e in examples}
    assert labels == {"def_front": 1, "ok_front": 0}


def test_folder_errors_name_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="no train/ folder"):
        list_casting(str(tmp_path))
    _folders(tmp_path)
    for image in (tmp_path / "test" / "ok_front").iterdir():
        image.unlink()
    with pytest.raises(ValueError, match="test/ok_front: no images"):
        list_casting(str(tmp_path))
    (tmp_path / "test" / "ok_front").rmdir()
    with pytest.raises(FileNotFoundError, match="ok_front: missing"):
        list_casting(str(tmp_path))


def test_unreadable_image_is_reported(tmp_path):
    _folders(tmp_path, per_class=1)
    (tmp_path / "train" / "ok_front" / "broken.jpeg").write_bytes(b"not a jpeg")
    module = builder_module("casting")
    config = module.CastingConfig(name="manual_broken", manual=True, image_size=32)
    builder = module.Builder(config=config, data_dir=str(tmp_path / "tfds"))
    with pytest.raises(ValueError, match="broken.jpeg: not a readable image"):
        builder.download_and_prepare(
            download_config=tfds.download.DownloadConfig(manual_dir=str(tmp_path))
        )


def test_synthetic_castings_show_their_defects():
    rng = np.random.default_rng(0)
    ok, kinds = render_casting(rng, False, 96)
    assert kinds == [] and ok.shape == (96, 96, 3) and ok.dtype == np.uint8
    assert np.array_equal(ok[..., 0], ok[..., 2])  # grey like the public photos
    seen = set()
    for seed in range(40):
        image, kinds = render_casting(np.random.default_rng(seed), True, 96)
        assert 1 <= len(kinds) <= 2 and set(kinds) <= set(DEFECT_KINDS)
        seen |= set(kinds)
    assert seen == set(DEFECT_KINDS)
