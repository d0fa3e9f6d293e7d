import keras
import numpy as np
import onnxruntime as ort
import pytest
import tensorflow as tf
from scipy.ndimage import gaussian_filter

from tests.savedmodel_client import serve_in_clean_process
from tfdefect.export import export_onnx, export_savedmodel
from tfdefect.models.padim import Padim, PadimFeatureExtractor

SIZE = 64


def _good_images(count, seed=0):
    """Smooth textured 'boards' with small random variation: all good."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    base = 120 + 40 * np.sin(xx / 5.0)[..., None] * np.array([1.0, 0.8, 0.6])
    images = base[None] + rng.normal(0, 4, (count, SIZE, SIZE, 3))
    return np.clip(images, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def fitted():
    keras.utils.set_random_seed(0)
    model = Padim("resnet18", (SIZE, SIZE, 3), embedding_dims=16, sigma=2.0)
    dataset = tf.data.Dataset.from_tensor_slices(_good_images(24)).batch(5)
    assert model.fit_gaussian(dataset, verbose=False) == 24
    return model


def test_outputs_and_shapes(fitted):
    out = fitted(_good_images(2, seed=1))
    assert out["anomaly_map"].shape == (2, SIZE, SIZE) and out["mask"].dtype == tf.uint8
    np.testing.assert_allclose(out["score"], out["anomaly_map"].numpy().max(axis=(1, 2)))
    assert fitted.is_fitted and not Padim("resnet18", (SIZE, SIZE, 3), embedding_dims=16).is_fitted


def test_distances_are_the_mahalanobis_distances_of_the_stored_gaussian(fitted):
    images = _good_images(2, seed=2)
    embeddings = fitted.embed(images).numpy()
    got = fitted.patch_distances(embeddings).numpy().reshape(2, -1)
    mean, precision = fitted.patch_mean.numpy(), fitted.patch_precision.numpy()
    for b in range(2):
        for p in (0, 37, 255):
            diff = embeddings[b, p] - mean[p]
            np.testing.assert_allclose(got[b, p], np.sqrt(diff @ precision[p] @ diff), rtol=1e-3)


def test_anomaly_map_is_upsampled_and_smoothed_distance(fitted):
    images = _good_images(1, seed=3)
    distances = fitted.patch_distances(fitted.embed(images))
    upsampled = tf.image.resize(distances[..., None], (SIZE, SIZE), "bilinear")[0, ..., 0]
    expected = gaussian_filter(upsampled.numpy().astype(np.float64), 2.0, mode="reflect")
    np.testing.assert_allclose(fitted(images)["anomaly_map"][0], expected, atol=1e-3)


def test_a_defect_scores_higher_than_good_images_and_is_localised(fitted):
    good = _good_images(4, seed=5)
    defective = good.copy()
    defective[:, 24:36, 30:42] = 0  # a missing component: a black square
    good_scores = fitted(good)["score"].numpy()
    out = fitted(defective)
    assert out["score"].numpy().min() > good_scores.max()
    peak = np.unravel_index(out["anomaly_map"][0].numpy().argmax(), (SIZE, SIZE))
    assert 16 <= peak[0] <= 44 and 22 <= peak[1] <= 50


def test_threshold_sets_is_anomalous_and_mask(fitted):
    images = _good_images(2, seed=6)
    scores = fitted(images)["score"].numpy()
    fitted.set_threshold(float(scores.mean()))
    try:
        out = fitted(images)
        np.testing.assert_array_equal(out["is_anomalous"], scores >= scores.mean())
        np.testing.assert_array_equal(out["mask"], out["anomaly_map"].numpy() >= scores.mean())
    finally:
        fitted.set_threshold(np.inf)


def test_keras_file_round_trip_keeps_the_fitted_gaussian(fitted, tmp_path):
    path = str(tmp_path / "padim.keras")
    fitted.save(path)
    loaded = keras.saving.load_model(path)
    images = _good_images(2, seed=7)
    np.testing.assert_allclose(loaded(images)["score"], fitted(images)["score"], rtol=1e-5)
    assert loaded.get_config() == fitted.get_config()


def test_channel_subset_is_fixed_by_the_seed():
    a = PadimFeatureExtractor("resnet18", (SIZE, SIZE, 3), embedding_dims=10, seed=4)
    b = PadimFeatureExtractor("resnet18", (SIZE, SIZE, 3), embedding_dims=10, seed=4)
    c = PadimFeatureExtractor("resnet18", (SIZE, SIZE, 3), embedding_dims=10, seed=5)
    np.testing.assert_array_equal(a.channel_indices, b.channel_indices)
    assert not np.array_equal(a.channel_indices, c.channel_indices)
    assert a.total_channels == 64 + 128 + 256


def test_torch_initialization_is_kept_in_the_config():
    model = Padim("resnet18", (SIZE, SIZE, 3), embedding_dims=8, backbone_initialization="torch")
    rebuilt = Padim.from_config(model.get_config())
    assert rebuilt.extractor.initialization == "torch"
    last_norm = rebuilt.extractor.get_layer("backbone").get_layer("stage2_block0_bn1")
    assert not last_norm.gamma.numpy().any()  # timm's zero_init_last
    assert Padim("resnet18", (SIZE, SIZE, 3), embedding_dims=8).extractor.initialization == "keras"


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="unknown backbone 'vgg16'; valid: efficientnetb0"):
        Padim("vgg16", (SIZE, SIZE, 3))
    with pytest.raises(ValueError, match="multiples of 32"):
        Padim("resnet18", (50, 64, 3))
    with pytest.raises(ValueError, match="embedding_dims 999 > the 448 channels"):
        Padim("resnet18", (SIZE, SIZE, 3), embedding_dims=999)
    with pytest.raises(ValueError, match="unknown initialization 'he'; valid: keras, torch"):
        Padim("efficientnetb0", (SIZE, SIZE, 3), backbone_initialization="he")
    model = Padim("resnet18", (SIZE, SIZE, 3), embedding_dims=8)
    wrong = tf.data.Dataset.from_tensor_slices(np.zeros((4, 32, 32, 3), np.uint8)).batch(2)
    with pytest.raises(ValueError, match=r"shape \(32, 32, 3\); the model takes \(64, 64, 3\)"):
        model.fit_gaussian(wrong, verbose=False)


def test_efficientnet_extractor_builds_and_converts_to_onnx(tmp_path):
    model = Padim("efficientnetb0", (SIZE, SIZE, 3), embedding_dims=12)
    assert model.extractor.total_channels == 24 + 40 + 112
    dataset = tf.data.Dataset.from_tensor_slices(_good_images(6)).batch(3)
    model.fit_gaussian(dataset, verbose=False)
    images = _good_images(2, seed=9)
    assert model(images)["anomaly_map"].shape == (2, SIZE, SIZE)
    # EfficientNet's built-in ImageNet normalisation must convert as constants
    assert export_onnx(model, str(tmp_path / "b0.onnx"), sample_images=images) < 1e-3


def test_savedmodel_and_onnx_carry_the_gaussian_and_match_keras(fitted, tmp_path):
    images = _good_images(2, seed=8)
    images[1, 10:20, 10:20] = 255
    fitted.set_threshold(float(fitted(images)["score"].numpy().mean()))
    try:
        expected = {k: np.asarray(v) for k, v in fitted(images).items()}
        path = export_savedmodel(fitted, str(tmp_path / "padim"), version=1)
        served = serve_in_clean_process(path, images, tmp_path)
        assert served["tfdefect_imported"] is False
        assert sorted(served["array"]) == ["anomaly_map", "is_anomalous", "mask", "score"]
        for signature in ("array", "bytes"):
            got = served[signature]
            np.testing.assert_allclose(got["anomaly_map"], expected["anomaly_map"], rtol=1e-4)
            np.testing.assert_array_equal(got["is_anomalous"], expected["is_anomalous"])
        onnx_path = str(tmp_path / "padim.onnx")
        assert export_onnx(fitted, onnx_path, sample_images=images) < 1e-3
        session = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
        names = [o.name for o in session.get_outputs()]
        got = dict(zip(names, session.run(None, {"images": images}), strict=True))
        np.testing.assert_allclose(got["score"], expected["score"], rtol=1e-4)
        np.testing.assert_array_equal(got["is_anomalous"], expected["is_anomalous"])
        assert expected["is_anomalous"].tolist() == [False, True]
    finally:
        fitted.set_threshold(np.inf)


def test_wide_resnet50_preset_follows_the_paper():
    extractor = PadimFeatureExtractor("wide_resnet50", (SIZE, SIZE, 3))
    assert extractor.total_channels == 256 + 512 + 1024
    assert extractor.embedding_dims == 550  # PaDiM, Wide ResNet-50-2
    assert extractor(_good_images(1)).shape == (1, SIZE // 4, SIZE // 4, 550)


def test_embedding_is_the_seeded_channel_subset_of_all_stage_channels():
    keras.utils.set_random_seed(0)
    full = PadimFeatureExtractor("resnet18", (64, 64, 3), embedding_dims=448)
    subset = PadimFeatureExtractor("resnet18", (64, 64, 3), embedding_dims=40, seed=3)
    subset.set_weights(full.get_weights())
    images = np.random.default_rng(0).uniform(0, 255, (2, 64, 64, 3)).astype(np.float32)
    np.testing.assert_array_equal(
        subset(images).numpy(), full(images).numpy()[..., subset.channel_indices]
    )


def test_separate_image_and_pixel_thresholds_and_anomalib_normalisation(fitted):
    from tfdefect.recipes.padim_pcb_steps import normalized_copy

    images = _good_images(3, seed=7)
    images[0, 20:30, 20:30] = 255  # one defective board
    raw = {k: v.numpy() for k, v in fitted(images).items()}
    image_t = float(np.sort(raw["score"])[1])  # flags the top two images
    pixel_t = float(np.quantile(raw["anomaly_map"], 0.99))
    fitted.set_thresholds(image=image_t, pixel=pixel_t)
    fitted.set_normalization(float(raw["anomaly_map"].min()), float(raw["anomaly_map"].max()))
    out = {k: v.numpy() for k, v in fitted(images).items()}
    np.testing.assert_array_equal(out["is_anomalous"], raw["score"] >= image_t)
    np.testing.assert_array_equal(out["mask"], raw["anomaly_map"] >= pixel_t)
    assert fitted.thresholds() == {"image": pytest.approx(image_t), "pixel": pytest.approx(pixel_t)}
    normalised = normalized_copy(fitted)
    assert normalised.thresholds() == {"image": 0.5, "pixel": 0.5}
    norm = {k: v.numpy() for k, v in normalised(images).items()}
    span = raw["anomaly_map"].max() - raw["anomaly_map"].min()
    np.testing.assert_allclose(
        norm["anomaly_map"], np.clip((raw["anomaly_map"] - pixel_t) / span + 0.5, 0, 1), atol=1e-5
    )
    np.testing.assert_allclose(
        norm["score"], np.clip((raw["score"] - image_t) / span + 0.5, 0, 1), atol=1e-5
    )
    # the same decisions as the raw model: a line can swap one for the other
    np.testing.assert_array_equal(norm["is_anomalous"], out["is_anomalous"])
    np.testing.assert_array_equal(norm["mask"], out["mask"])


def test_a_file_saved_with_one_threshold_still_loads(fitted, tmp_path):
    """PaDiM .keras files saved before separate thresholds (four own variables) load with
    their threshold for both decisions."""
    import zipfile

    import h5py

    fitted.set_thresholds(image=3.0, pixel=3.0)
    path = tmp_path / "padim.keras"
    fitted.save(path)
    old = tmp_path / "old.keras"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(old, "w") as target:
        for item in source.namelist():
            data = source.read(item)
            if item == "model.weights.h5":
                weights = tmp_path / "weights.h5"
                weights.write_bytes(data)
                with h5py.File(weights, "r+") as handle:
                    own = handle["vars"]
                    assert len(own) == 7
                    own["2"][()] = 5.0  # the one old threshold
                    for key in ("4", "5", "6"):
                        del own[key]
                data = weights.read_bytes()
            target.writestr(item, data)
    loaded = keras.saving.load_model(old)
    assert loaded.thresholds() == {"image": 5.0, "pixel": 5.0}
    np.testing.assert_array_equal(loaded.patch_mean.numpy(), fitted.patch_mean.numpy())


def test_a_normalised_export_carries_thresholds_of_one_half(fitted):
    from tfdefect.export import describe_model
    from tfdefect.recipes.padim_pcb_steps import normalized_copy

    fitted.set_thresholds(image=4.0, pixel=3.0)
    fitted.set_normalization(1.0, 9.0)
    raw = describe_model(fitted).thresholds
    assert raw["anomaly_score"] == 4.0 and raw["anomaly_map"] == 3.0
    assert describe_model(normalized_copy(fitted)).thresholds == {
        "anomaly_score": 0.5,
        "anomaly_map": 0.5,
    }
