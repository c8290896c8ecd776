import numpy as np
import pytest

from clipfinder.errors import BadMetadata
from clipfinder.records import Segment, Word
from clipfinder.speakers import drop_bleed, parse_channels, plan_channels

from .audio_helpers import tone


def test_parse_channels():
    assert parse_channels("prospect, rep") == ("prospect", "rep")
    assert parse_channels(["rep", "prospect"]) == ("rep", "prospect")
    for bad in ("rep", "rep,rep", "rep,customer", "rep,prospect,rep"):
        with pytest.raises(BadMetadata):
            parse_channels(bad)


def test_stereo_channels_map_to_roles_in_order():
    layout, plans = plan_channels([tone(1, 300), tone(1, 600)], ("prospect", "rep"))
    assert layout == "stereo"
    assert [(p.speaker, p.channel) for p in plans] == [("prospect", 0), ("rep", 1)]
    layout, plans = plan_channels([tone(1, 300), tone(1, 600)], None)
    assert [p.speaker for p in plans] == ["rep", "prospect"]


def test_dual_mono_stereo_and_mono_give_one_unknown_plan():
    for channels in ([tone(1, 300), tone(1, 300)], [tone(1, 300)]):
        layout, plans = plan_channels(channels, ("rep", "prospect"))
        assert layout == "mono"
        assert len(plans) == 1 and plans[0].speaker == "unknown" and plans[0].channel is None


def test_words_heard_louder_on_the_other_channel_are_bleed():
    rate = 16000
    left = np.concatenate([tone(1, 300, level=0.5), np.zeros(rate, np.float32)])
    right = np.concatenate([tone(1, 300, level=0.02), tone(1, 500, level=0.5)])
    own = Word(1.1, 1.8, "yes", 0.9, "prospect")
    echo = Word(0.1, 0.8, "hello", 0.9, "prospect")
    seg = Segment(0.1, 1.8, "hello yes", "prospect", (echo, own), channel=1)
    kept = drop_bleed([seg], [left, right])
    assert [w.text for s in kept for w in s.words] == ["yes"]
    assert kept[0].start == 1.1 and kept[0].text == "yes"
