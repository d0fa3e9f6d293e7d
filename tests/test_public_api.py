"""The public names: every ``__all__`` entry resolves, ``import tfdefect`` stays light, and
the registry builds models by name."""

import importlib
import os
import subprocess
import sys

import pytest

import tfdefect

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGES = (
    "tfdefect",
    "tfdefect.datasets",
    "tfdefect.evaluation",
    "tfdefect.metrics",
    "tfdefect.models",
    "tfdefect.models.classifiers",
    "tfdefect.models.mask_rcnn",
    "tfdefect.models.mpb3",
    "tfdefect.models.padim",
    "tfdefect.models.segmenters",
)


@pytest.mark.parametrize(
    "statement",
    [
        "import tfdefect",
        # every `tfdefect <sub> --help` answers before TensorFlow loads
        "import tfdefect.cli; tfdefect.cli.build_parser()",
    ],
)
def test_import_tfdefect_and_the_cli_parser_load_no_tensorflow(statement):
    code = (
        f"import sys; {statement}; import tfdefect\n"
        "heavy = sorted(m for m in ('tensorflow', 'keras', 'sklearn', 'cv2') if m in sys.modules)\n"
        "print(heavy, tfdefect.__version__)\n"
    )
    env = {**os.environ, "PYTHONPATH": ROOT}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.startswith("[] "), result.stdout


@pytest.mark.parametrize("package", PACKAGES)
def test_every_name_in_all_resolves(package):
    module = importlib.import_module(package)
    assert module.__all__ == sorted(set(module.__all__), key=module.__all__.index)  # no repeats
    for name in module.__all__:
        assert getattr(module, name) is not None, f"{package}.{name}"
        assert name in dir(module)
    with pytest.raises(AttributeError):
        module.no_such_name  # noqa: B018


def test_public_names_are_the_library_classes():
    from tfdefect.evaluation.detection_evaluator import DetectionEvaluator
    from tfdefect.models.mask_rcnn.mask_rcnn import MaskRCNN

    assert tfdefect.models.MaskRCNN is MaskRCNN
    assert tfdefect.evaluation.DetectionEvaluator is DetectionEvaluator
    from tfdefect.evaluation import SegmentationEvaluator  # noqa: F401  (from-import works too)


def test_version_is_the_one_exports_record():
    from tfdefect.export.metadata import library_version

    assert isinstance(tfdefect.__version__, str) and tfdefect.__version__
    assert library_version() == tfdefect.__version__


def test_create_model_builds_a_keras_model():
    import keras

    assert "segmenter_unet" in tfdefect.list_models()
    model = tfdefect.create_model("segmenter_unet", image_shape=(32, 32, 6), filters=(4, 8))
    assert isinstance(model, keras.Model) and isinstance(model, tfdefect.models.UNetSegmenter)


def test_unknown_model_name_lists_the_valid_names():
    with pytest.raises(ValueError, match="unknown model 'no_such_model'") as raised:
        tfdefect.create_model("no_such_model")
    for name in tfdefect.list_models():
        assert name in str(raised.value)
