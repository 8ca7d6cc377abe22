"""Property-based fuzzing of the parsers and `newswire parse` (hypothesis)."""
