"""民情档案: household lookup, information collection, retention."""
