"""The index: the only place that speaks SQL. Numbered migrations, writes, and queries that return records."""
