"""The per-recording pipeline: audio -> transcript -> speakers -> metrics -> skill matches -> clips.

Nothing here knows about the index; every stage takes and returns records (clipfinder.records).
"""
