"""publish_for_serving: a recipe's ``export.`` settings reach publish_model."""

import dataclasses
import os

from tfdefect.recipes.common import publish_for_serving
from tfdefect.recipes.export_config import ExportConfig


@dataclasses.dataclass
class _Config:
    export: ExportConfig = dataclasses.field(default_factory=lambda: ExportConfig(name="unet"))


def test_publish_for_serving_follows_the_export_settings(tmp_path):
    from tfdefect.export import describe_model
    from tfdefect.models.segmenters import UNetSegmenter

    model = UNetSegmenter(image_shape=(32, 32, 3), num_classes=2, filters=(4, 8))
    metadata = describe_model(model, ["background", "defect"])
    export = ExportConfig(name="unet", dir=str(tmp_path / "models"), onnx=False)
    config = _Config(export=dataclasses.replace(export, serving_root="/models"))
    first = publish_for_serving(model, config, metadata)
    assert first.path == str(tmp_path / "models" / "unet" / "1") and first.onnx_path is None
    assert "/models/unet" in (tmp_path / "models" / "models.config").read_text()
    other = publish_for_serving(model, config, metadata, name="unet_cached")
    assert other.path == str(tmp_path / "models" / "unet_cached" / "1")
    config.export = dataclasses.replace(config.export, overwrite=1, onnx=True)
    again = publish_for_serving(model, config, metadata)
    assert again.version == 1 and os.path.isfile(again.onnx_path)
    assert sorted(os.listdir(tmp_path / "models" / "unet")) == ["1"]
