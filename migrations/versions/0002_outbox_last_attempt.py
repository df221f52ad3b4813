"""outbox: when the last attempt finished (the retry schedule actually used)

Revision ID: 6a1d0c7e2b14
Revises: bae15ec01c99
Create Date: 2026-12-04 09:00:00

"""
import sqlalchemy as sa
from alembic import op

import server.dbtypes

revision = '6a1d0c7e2b14'
down_revision = 'bae15ec01c99'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_attempt_at', server.dbtypes.UTCDateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('last_attempt_at')
