"""The id of the request that queued each e-mail (and asked for each sign-in link), so the worker's log
line about sending it carries the same id (issue 20, what to watch)

Revision ID: b7d41c0e9a25
Revises: ad118d336a3b
Create Date: 2026-12-05 16:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d41c0e9a25'
down_revision = 'ad118d336a3b'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_id', sa.String(length=64), nullable=True))

    with op.batch_alter_table('sign_in_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('request_id', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('sign_in_request', schema=None) as batch_op:
        batch_op.drop_column('request_id')

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('request_id')
