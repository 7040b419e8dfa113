"""Languages: an account's language is unset until chosen; sign-in requests remember the page's

Revision ID: 34261cf66fc9
Revises: b2123030146b
Create Date: 2026-12-05 09:17:46.469488

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '34261cf66fc9'
down_revision = 'b2123030146b'
branch_labels = None
depends_on = None


def upgrade():
    # "en" was only the column's default (nobody could choose): every account starts unset, and takes
    # its language at the next sign-in, from the person or from a recruiter before that.
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('locale', existing_type=sa.String(length=16), nullable=True)
    op.execute("UPDATE \"user\" SET locale = NULL")
    with op.batch_alter_table('sign_in_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=16), nullable=True))


def downgrade():
    with op.batch_alter_table('sign_in_request', schema=None) as batch_op:
        batch_op.drop_column('locale')
    op.execute("UPDATE \"user\" SET locale = 'en' WHERE locale IS NULL")
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.alter_column('locale', existing_type=sa.String(length=16), nullable=False)
