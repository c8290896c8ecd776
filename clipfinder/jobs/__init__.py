"""What changes the index: ingest, rematch, enroll, and the metadata read on the way in."""
