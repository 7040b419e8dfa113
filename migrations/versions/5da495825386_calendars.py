"""Calendars: a person's connected calendar (sealed address and credentials, how fresh our copy is), the busy
times read from it (times only), and the conversations written into CalDAV calendars.

Revision ID: 5da495825386
Revises: c5f0e7a3d912
Create Date: 2026-12-05 17:36:27.044993

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5da495825386'
down_revision = 'c5f0e7a3d912'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_busy',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('start_at', sa.DateTime(), nullable=False),
    sa.Column('end_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_calendar_busy_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_busy'))
    )
    with op.batch_alter_table('calendar_busy', schema=None) as batch_op:
        batch_op.create_index('ix_calendar_busy_user_end', ['user_id', 'end_at'], unique=False)

    op.create_table('calendar_connection',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('username', sa.Text(), nullable=True),
    sa.Column('password', sa.Text(), nullable=True),
    sa.Column('shown_as', sa.String(length=300), nullable=False),
    sa.Column('marker', sa.String(length=300), nullable=True),
    sa.Column('last_modified', sa.String(length=100), nullable=True),
    sa.Column('read_at', sa.DateTime(), nullable=True),
    sa.Column('busy_until', sa.DateTime(), nullable=True),
    sa.Column('zone', sa.String(length=64), nullable=True),
    sa.Column('tried_at', sa.DateTime(), nullable=True),
    sa.Column('error', sa.String(length=40), nullable=True),
    sa.Column('error_since', sa.DateTime(), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('next_read_at', sa.DateTime(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('ical', 'caldav')", name=op.f('ck_calendar_connection_calendar_kind_known')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_calendar_connection_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_calendar_connection_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_connection')),
    sa.UniqueConstraint('user_id', name=op.f('uq_calendar_connection_user_id'))
    )
    with op.batch_alter_table('calendar_connection', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_connection_next_read_at'), ['next_read_at'], unique=False)

    op.create_table('calendar_written_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('connection_id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('href', sa.String(length=500), nullable=True),
    sa.Column('etag', sa.String(length=300), nullable=True),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('next_try_at', sa.DateTime(), nullable=True),
    sa.Column('error', sa.String(length=40), nullable=True),
    sa.Column('remove', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['connection_id'], ['calendar_connection.id'], name=op.f('fk_calendar_written_event_connection_id_calendar_connection'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_calendar_written_event_meeting_id_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_written_event')),
    sa.UniqueConstraint('connection_id', 'meeting_id', name='uq_written_event')
    )


def downgrade():
    op.drop_table('calendar_written_event')
    with op.batch_alter_table('calendar_connection', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_calendar_connection_next_read_at'))

    op.drop_table('calendar_connection')
    with op.batch_alter_table('calendar_busy', schema=None) as batch_op:
        batch_op.drop_index('ix_calendar_busy_user_end')

    op.drop_table('calendar_busy')
