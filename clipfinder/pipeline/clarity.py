"""How clearly a call was heard, and so what a skill *not* found on it can mean.

The model gives each word a probability. Their mean over the words of the speaker a skill
belongs to is that call's clarity for the skill. A clip found is evidence either way; a skill
not found is only evidence where the words were heard clearly. On a garbled transcript (a bad
phone line, crosstalk) "the rep never asked for next steps" may be the model's mistake, so the
product says "not detected" with the clarity, and below GARBLED says it cannot judge at all.

Thresholds were set on measured clarity (docs/rubric.md, "Confidence and clarity"): clean
synthetic calls 0.84-0.88; real recordings 0.75-0.94 (an 8 kHz phone call the lowest); the
synthetic calls through an 8 kHz phone line 0.64-0.78, where a third of the skill moments are
lost to transcription errors.
"""

from __future__ import annotations

from dataclasses import dataclass

# At or above: the words were heard well enough that a skill not found was most likely not said.
CLEAR = 0.80
# Below: too garbled to say anything about a skill that was not found.
GARBLED = 0.65

LEVEL_CLEAR = "clear"
LEVEL_UNCERTAIN = "uncertain"
LEVEL_GARBLED = "garbled"
LEVEL_SILENT = "no words"


@dataclass(frozen=True)
class Clarity:
    """The mean word probability of some words of a call (None when there were none)."""

    value: float | None

    @property
    def level(self) -> str:
        if self.value is None:
            return LEVEL_SILENT
        if self.value >= CLEAR:
            return LEVEL_CLEAR
        return LEVEL_UNCERTAIN if self.value >= GARBLED else LEVEL_GARBLED

    @property
    def judgeable(self) -> bool:
        """False when a skill's absence from these words says nothing."""
        return self.level in (LEVEL_CLEAR, LEVEL_UNCERTAIN)

    def absence(self) -> str:
        """What to say of a skill not found on these words."""
        shown = "" if self.value is None else f" {self.value:.2f}"
        return {
            LEVEL_CLEAR: f"not detected (transcript clear,{shown})",
            LEVEL_UNCERTAIN: f"not detected; transcript uncertain ({shown.strip()}): listen before you judge",
            LEVEL_GARBLED: f"cannot judge: the transcript is too garbled ({shown.strip()})",
            LEVEL_SILENT: "cannot judge: no words from that speaker",
        }[self.level]

    def to_json(self) -> dict[str, object]:
        return {"clarity": self.value, "transcript": self.level}


def evidence(clip_ids: list[int], clarity: float | None, in_rubric_language: bool = True) -> str:
    """One call's answer to "was the skill done?": its clips, or what their absence means."""
    if clip_ids:
        return "clips " + ", ".join(map(str, clip_ids))
    if not in_rubric_language:
        return "cannot judge: the call is not in the rubric's language"
    heard = Clarity(clarity)
    return ("skill " if heard.judgeable else "") + heard.absence()
