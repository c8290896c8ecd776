"""The fixture calls through a telephone line (8 kHz, 300-3400 Hz, mu-law): skill moments still found,
no clip without a true moment. Compared with the truth files, never with one run's words."""

import pytest

from clipfinder import Index, ingest
from clipfinder.store import queries

from .audio_helpers import phone_copy
from .conftest import CALLS
from .test_quality import NAMES, false_clips, moments, overlaps, stored_matches

# Measured (docs/evaluation.md): 9 of the 13 scripted moments under the GENERIC, AVX2 and AVX512
# kernels (13 of 13 on the clean audio). The four lost are whole phrases the model mishears
# ("we do not have budget" as "we must hammer it"). The bar leaves one moment of slack for
# machines whose kernels hear one more phrase wrong; the product's target (90% of the clean
# moments) is not met yet and is tracked there.
LEAST_FOUND = 8


@pytest.fixture(scope="module")
def phone_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("phone")
    for name in NAMES:
        (source,) = [p for p in CALLS.rglob(f"{name}.*") if not p.name.endswith(".json")]
        (folder / source.parent.name).mkdir(exist_ok=True)
        phone_copy(source, folder / source.parent.name / f"{name}.wav")
    db = folder / "phone.db"
    with Index(db) as index:
        assert ingest([folder], index).ok
    return db


def test_most_skill_moments_survive_the_phone_line(phone_db):
    with Index(phone_db) as index:
        found = stored_matches(index)
    truth = [(name, skill, start, end) for name in NAMES for skill, start, end in moments(name)]
    hit = [t for t in truth if any(m["call"] == t[0] and m["skill"] == t[1] and overlaps(m, t[2], t[3]) for m in found)]
    assert len(hit) >= LEAST_FOUND, f"{len(hit)} of {len(truth)} moments found through the phone line"


def test_the_phone_line_adds_no_false_clip(phone_db):
    with Index(phone_db) as index:
        assert false_clips(index) == []


def test_phone_calls_are_heard_less_clearly_and_say_so(phone_db, ingested):
    """The clarity that keeps missed/followup honest drops on the phone line, call by call."""
    clean_db, _ = ingested
    clarity = {}
    for label, db in (("phone", phone_db), ("clean", clean_db)):
        with Index(db) as index:
            clarity[label] = {
                c.path.rsplit("/", 1)[1].split(".")[0]: queries.clarity(index, c.id) for c in index.calls()
            }
    for name in NAMES:
        assert clarity["phone"][name] < clarity["clean"][name] - 0.03, (name, clarity)
