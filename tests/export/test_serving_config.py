"""models.config through TF Serving's own ModelServerConfig message."""

import pytest
from google.protobuf import text_format
from tensorflow_serving.config import model_server_config_pb2

from tfdefect.export.serving_config import (
    ServingConfigError,
    models_config_entries,
    update_models_config,
)

HAND_WRITTEN = """
model_config_list {
  config {
    base_path: "/models/detector"
    name: "detector"
    model_platform: "tensorflow"
    model_version_policy { specific { versions: 1 versions: 2 } }
    version_labels { key: "stable" value: 1 }
    version_labels { key: "canary" value: 2 }
  }
  config {
    name: "other"
    base_path: "/srv/other"
    model_platform: "tensorflow"
  }
}
"""


def _parse(path):
    config = model_server_config_pb2.ModelServerConfig()
    text_format.Parse(path.read_text(), config)
    return config


def test_hand_written_entries_and_fields_survive(tmp_path):
    path = tmp_path / "models.config"
    path.write_text(HAND_WRITTEN)
    (tmp_path / "new_model").mkdir()
    update_models_config(str(tmp_path), "new_model", str(tmp_path / "new_model"))
    update_models_config(str(tmp_path), "detector", str(tmp_path / "detector"), "/models")
    config = _parse(path)
    entries = {e.name: e for e in config.model_config_list.config}
    assert list(entries) == ["detector", "other", "new_model"]
    detector = entries["detector"]
    assert list(detector.model_version_policy.specific.versions) == [1, 2]
    assert dict(detector.version_labels) == {"stable": 1, "canary": 2}
    assert detector.base_path == "/models/detector"
    assert entries["other"].base_path == "/srv/other"
    assert entries["new_model"].base_path == str(tmp_path / "new_model")


def test_serving_root_writes_paths_the_container_sees(tmp_path):
    update_models_config(str(tmp_path), "m", str(tmp_path / "m"), serving_root="/models")
    assert models_config_entries(str(tmp_path / "models.config")) == {"m": "/models/m"}


def test_bad_names_and_bad_files_get_clear_errors(tmp_path):
    with pytest.raises(ServingConfigError, match="not valid"):
        update_models_config(str(tmp_path), 'a"b', str(tmp_path / "x"))
    assert not (tmp_path / "models.config").exists()
    (tmp_path / "models.config").write_text("model_config_list { config { nme: 1 } }")
    with pytest.raises(ServingConfigError, match="not a valid TF Serving models.config"):
        update_models_config(str(tmp_path), "m", str(tmp_path / "m"))
