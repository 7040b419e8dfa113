"""sign-in requests: /login records every ask alike, the worker looks the address up

Asking for a sign-in link used to look the address up, make a token and render the mail only for
addresses with an account, so the answer took longer for them (issue 13). Now the request inserts
one row here for any address; the worker handles it and deletes it.

Revision ID: ebd02b3f31bc
Revises: 3e8b5c2a7f10
Create Date: 2026-12-04 18:39:32.922974

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ebd02b3f31bc'
down_revision = '3e8b5c2a7f10'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sign_in_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('next_path', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_in_request'))
    )


def downgrade():
    op.drop_table('sign_in_request')
