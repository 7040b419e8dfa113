"""each person's hours: offered times fall within the candidate's day (07:00-21:00 unless changed)

Revision ID: 7a1c0e5d9b42
Revises: bc03c1ba5fa3
Create Date: 2026-12-04 14:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7a1c0e5d9b42'
down_revision = 'bc03c1ba5fa3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('day_start', sa.SmallInteger(), server_default=sa.text('420'), nullable=False))
        batch_op.add_column(sa.Column('day_end', sa.SmallInteger(), server_default=sa.text('1260'), nullable=False))
        batch_op.create_check_constraint(
            op.f('ck_user_day_hours_valid'),
            'day_start BETWEEN 0 AND 1439 AND day_end BETWEEN 0 AND 1439 AND day_start <> day_end')


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_day_hours_valid'), type_='check')
        batch_op.drop_column('day_end')
        batch_op.drop_column('day_start')
