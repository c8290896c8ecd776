import pytest

from clipfinder.errors import BadMetadata
from clipfinder.speakers import parse_channels, plan_channels

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
