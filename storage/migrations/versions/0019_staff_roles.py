"""staff roles

A staff member may hold several roles (`grid_worker;mediator`): `staff.role` keeps them as
text joined by ';', widened here from 32 to 160 characters so every role fits at once. A
single role is a valid value as it stands, so existing rows migrate unchanged.

Why text and not a `staff_roles` table: every query that asks for a role also asks for units
(`unit_id IN (…)`, indexed) or lists the whole roster anyway, so matching the role inside the
text (Staff.has_role: `';' || role || ';' LIKE '%;mediator;%'`, from a closed list of role
names) never looks at more rows than before, when `role` had no index either; and a Staff
row read anywhere answers `has_role` without a join or a second load.

SQLite does not enforce a VARCHAR's length, so only PostgreSQL alters the column.

Revision ID: 0019
Revises: 0022 (0022_open311_limit.py reached main first from 0018_console_sessions; one head)
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0022"  # 0022_open311_limit.py
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column("staff", "role", type_=sa.String(160), existing_type=sa.String(32))


def downgrade() -> None:
    """Back to one role each: the first one held."""
    if op.get_bind().dialect.name == "sqlite":
        op.execute("UPDATE staff SET role = substr(role, 1, instr(role || ';', ';') - 1)")
        return
    op.execute("UPDATE staff SET role = split_part(role, ';', 1)")
    op.alter_column("staff", "role", type_=sa.String(32), existing_type=sa.String(160))
