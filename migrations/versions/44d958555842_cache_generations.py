"""Cache generations (issue 19): a counter per kind of shared data (the people shown, the analytics rollup)
that every change moves on, so pages can keep what they read from it until it changes (generations.py in the application).

Revision ID: 44d958555842
Revises: 5da495825386
Create Date: 2026-12-05 20:33:08.630151

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '44d958555842'
down_revision = '5da495825386'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cache_generation',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('n', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_cache_generation'))
    )


def downgrade():
    op.drop_table('cache_generation')
