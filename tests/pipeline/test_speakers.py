import pytest

from clipfinder.errors import BadMetadata
from clipfinder.pipeline.speakers import parse_channels, plan_channels
from clipfinder.records import VoiceSample, Word

from ..audio_helpers import tone


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


def test_a_call_whose_voices_sound_alike_gets_no_talk_ratio_and_says_why(tmp_path):
    """Two voices closer than MIN_SEPARABILITY: no talk ratio, marked uncertain, the reason shown."""
    from clipfinder import Index
    from clipfinder.cli.views import calls_table
    from clipfinder.pipeline.metrics import compute_metrics
    from clipfinder.pipeline.speakers import choose_rep
    from clipfinder.records import MIN_SEPARABILITY, CallMeta, Segment, Transcript

    near = VoiceSample((1.0, 0.0), 20.0)
    alike = VoiceSample((0.995, 0.0998), 20.0)  # cosine distance 0.005
    words = [Word(0.0, 2.5, "hello", 0.9, "rep", voice=0), Word(3.0, 4.0, "hi", 0.9, "prospect", voice=1)]
    _, attribution = choose_rep(words, [near, alike], None)
    assert attribution.separability < MIN_SEPARABILITY and attribution.indistinct and attribution.uncertain
    assert attribution.describe() == "voices alike ?"
    segments = [Segment(w.start, w.end, w.text, w.speaker, (w,), None) for w in words]
    metrics = compute_metrics(words, segments, 5.0, roles_trusted=not attribution.indistinct)
    assert metrics.talk_ratio is None and metrics.talk_seconds["rep"] == 2.5
    transcript = Transcript("/x/mono.wav", "ab" * 32, 5.0, "mono", tuple(segments), "tiny.en", "en", attribution)
    with Index(tmp_path / "s.db") as index:
        index.write_call(transcript, CallMeta(rep="alice", date="2026-11-20"), metrics)
        (call,) = index.calls()
        assert call.attribution.indistinct
        assert "mono, voices alike ?  n/a" in calls_table([(call, index.metrics(call.id))])
