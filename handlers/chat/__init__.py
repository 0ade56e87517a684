"""The conversations: what residents and staff write, read as verbs and answered."""
