import cv2
import numpy as np
import pytest
import tensorflow_datasets as tfds

from tfdefect.data.leakage_audit import audit_tfds_builder
from tfdefect.datasets.tfds_builders import builder_module
from tfdefect.datasets.wafer_sem.synthetic import CLASS_NAMES, render_site, site_layout


def test_synthetic_sites_never_cross_splits(tmp_path):
    module = builder_module("wafer_sem")
    config = module.WaferSemConfig(name="tiny", num_sites=60, image_size=48, reimaged_fraction=0.5)
    builder = module.Builder(config=config, data_dir=str(tmp_path))
    builder.download_and_prepare()
    groups, total = {}, 0
    for split in builder.info.splits:
        examples = list(tfds.as_numpy(builder.as_dataset(split=split)))
        total += len(examples)
        groups[split] = {e["group"] for e in examples}
        assert all(e["image"].shape == (48, 48, 1) for e in examples)
    assert total > 60  # some sites imaged twice
    names = list(groups)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            assert not groups[a] & groups[b]
    assert audit_tfds_builder(builder).leaks == 0


def _write(folder, name, image):
    folder.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(folder / name), image)


def test_manual_folders_keep_near_duplicates_in_one_split(tmp_path):
    manual = tmp_path / "manual"
    for i in range(16):
        defect = CLASS_NAMES[i % len(CLASS_NAMES)]
        image = render_site(site_layout(np.random.default_rng(i), defect), np.random.default_rng(i))
        _write(manual / defect, f"{defect}_{i}.png", image)
        if i < 4:  # a brightened copy of the same shot
            _write(
                manual / defect,
                f"{defect}_{i}_copy.png",
                np.clip(image * 1.04, 0, 255).astype(np.uint8),
            )
    module = builder_module("wafer_sem")
    builder = module.Builder(
        config=module.WaferSemConfig(name="manual_small", manual=True, image_size=48),
        data_dir=str(tmp_path / "tfds"),
    )
    builder.download_and_prepare(
        download_config=tfds.download.DownloadConfig(manual_dir=str(manual))
    )
    split_of = {}
    for split in builder.info.splits:
        for e in tfds.as_numpy(builder.as_dataset(split=split)):
            split_of[e["filename"].decode()] = split
            assert CLASS_NAMES[e["label"]] == e["filename"].decode().split("/")[0]
    assert len(split_of) == 20
    for i in range(4):
        defect = CLASS_NAMES[i]
        assert split_of[f"{defect}/{defect}_{i}.png"] == split_of[f"{defect}/{defect}_{i}_copy.png"]


def test_manual_errors_name_the_problem(tmp_path):
    from tfdefect.datasets.wafer_sem.manual import list_class_folders, read_grey

    _write(tmp_path / "scratches", "a.png", np.zeros((8, 8), np.uint8))
    with pytest.raises(ValueError, match=r"unknown class folders \['scratches'\]"):
        list_class_folders(str(tmp_path))
    (tmp_path / "scratches" / "a.png").unlink()
    (tmp_path / "scratches").rmdir()
    (tmp_path / "clean").mkdir()
    with pytest.raises(ValueError, match="no images"):
        list_class_folders(str(tmp_path))
    (tmp_path / "clean" / "bad.png").write_bytes(b"png?")
    with pytest.raises(ValueError, match="bad.png: not a readable image"):
        read_grey(str(tmp_path / "clean" / "bad.png"), 32)
