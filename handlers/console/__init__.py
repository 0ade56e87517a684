"""The web console's use cases: login links and sessions, and the ticket list in scope."""
