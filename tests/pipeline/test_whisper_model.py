from pathlib import Path

import pytest

from clipfinder.errors import ModelNotFound
from clipfinder.pipeline.whisper_model import DEFAULT_MODEL, embedded_model_path, resolve_model


def test_default_is_the_embedded_tiny_en():
    ref = resolve_model(None)
    assert ref.label == DEFAULT_MODEL
    assert Path(ref.path) == embedded_model_path()
    assert (Path(ref.path) / "model.bin").is_file()
    assert not ref.download


def test_a_name_is_found_under_the_models_env_folder(tmp_path, monkeypatch):
    model = tmp_path / "small.en"
    model.mkdir()
    (model / "model.bin").write_bytes(b"x")
    (model / "config.json").write_text("{}")
    monkeypatch.setenv("CLIPFINDER_MODELS", str(tmp_path))
    assert resolve_model("small.en").path == str(model.resolve())


def test_an_unknown_name_says_where_it_looked_and_how_to_add_one(tmp_path, monkeypatch):
    monkeypatch.setenv("CLIPFINDER_MODELS", str(tmp_path))
    with pytest.raises(ModelNotFound) as err:
        resolve_model("large-v3")
    message = str(err.value)
    assert str(tmp_path / "large-v3") in message
    assert "models/large-v3" in message and "--allow-download" in message


def test_download_only_with_the_opt_in():
    ref = resolve_model("large-v3", allow_download=True)
    assert ref.download and ref.path == "large-v3"


def test_a_folder_that_is_not_a_model_is_rejected(tmp_path):
    with pytest.raises(ModelNotFound, match="model.bin"):
        resolve_model(str(tmp_path))


def test_device_and_compute_type_are_checked_before_any_file():
    import ctranslate2

    from clipfinder.errors import BadInput
    from clipfinder.pipeline.whisper_model import on_device, resolve_model

    ref = resolve_model(None)
    assert (ref.device, ref.compute_type) == ("cpu", "int8")
    assert on_device(ref, "cpu", "float32").compute_type == "float32"
    with pytest.raises(BadInput, match="--device is cpu or cuda"):
        on_device(ref, "tpu", None)
    with pytest.raises(BadInput, match="--compute-type is one of"):
        on_device(ref, "cpu", "int4")
    if ctranslate2.get_cuda_device_count() == 0:
        with pytest.raises(BadInput, match="no CUDA GPU"):
            on_device(ref, "cuda", None)
    else:
        assert on_device(ref, "cuda", None).compute_type == "float16"
