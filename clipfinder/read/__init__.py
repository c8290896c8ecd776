"""Reading the index: search, stats, missed skills, export and transcript formats."""
