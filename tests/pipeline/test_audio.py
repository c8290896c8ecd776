import numpy as np
import pytest

from clipfinder.errors import BadAudio, NotAudio
from clipfinder.pipeline.audio import decode, is_dual_mono, probe, sha256_file

from ..audio_helpers import tone, write_wav
from ..conftest import CALLS


def test_decode_keeps_two_channels_and_resamples(tmp_path):
    path = write_wav(tmp_path / "s.wav", [tone(1.0, 300, rate=8000), tone(1.0, 500, rate=8000) * 0], rate=8000)
    left, right = decode(path)
    assert len(left) == pytest.approx(16000, abs=200)
    assert np.abs(left).max() > 0.2 and np.abs(right).max() < 1e-3


@pytest.mark.parametrize("name", ["alice/globex-pricing.mp3", "bob/initech-followup.flac", "bob/umbrella-intro.ogg"])
def test_compressed_formats_decode(name):
    channels = decode(CALLS / name)
    assert len(channels[0]) / 16000 > 20
    assert probe(CALLS / name).duration_s > 20


def test_dual_mono_is_detected_and_real_stereo_is_not():
    a, b = tone(1.0, 300), tone(1.0, 700)
    assert is_dual_mono(a, a * 0.999)
    assert not is_dual_mono(a, b)
    assert not is_dual_mono(a, a * 0)


def test_corrupt_and_empty_recordings_are_bad_audio(tmp_path):
    corrupt = tmp_path / "broken.mp3"
    corrupt.write_bytes(b"\x00\xff" * 5000)
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    for path in (corrupt, empty):
        with pytest.raises(BadAudio, match=path.name):
            decode(path)


def test_a_text_file_is_not_audio(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("call notes, not a recording\n" * 20)
    with pytest.raises(NotAudio):
        probe(notes)


def test_sha256_is_of_the_bytes(tmp_path):
    a, b = tmp_path / "a.bin", tmp_path / "b.bin"
    a.write_bytes(b"same")
    b.write_bytes(b"same")
    assert sha256_file(a) == sha256_file(b) == "0967115f2813a3541eaef77de9d9d5773f1c0c04314b0bbfe4ff3b3b1c55b5d5"
