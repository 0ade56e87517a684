"""The migrations build exactly the schema the models describe, on both databases: a model
change without its migration (a missing index, say) fails here, not on a county's server."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from storage.db import make_engine
from storage.models import Base

# The migrations run for this test itself, not once for a template the others copy.
pytestmark = pytest.mark.fresh_migrations


async def test_migrated_database_matches_the_models(database_url):
    engine = make_engine(database_url)  # the fixture migrated it to head
    try:
        async with engine.connect() as connection:
            differences = await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": False}), Base.metadata
                )
            )
    finally:
        await engine.dispose()

    assert differences == []
