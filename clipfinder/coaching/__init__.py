"""The weekly 1-on-1 loop: focus, commitments, self-scores, follow-up, trend, and the prep artifact."""
