"""Settings and default configuration files."""
