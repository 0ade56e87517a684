"""SQLAlchemy models, the unit of work, migrations and the outbox."""
