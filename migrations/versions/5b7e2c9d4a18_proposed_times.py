"""the person can propose other times: status ``proposed`` and the times they proposed

A person who can't make any of the candidate's times proposes some of their own free times
(``counter_time``); the conversation waits in the new status ``proposed`` until the candidate
accepts one, says no, or the times pass. ``proposed`` is a waiting status, so the one-waiting-
request index covers it too.

Revision ID: 5b7e2c9d4a18
Revises: ebd02b3f31bc
Create Date: 2026-12-04 23:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b7e2c9d4a18'
down_revision = 'ebd02b3f31bc'
branch_labels = None
depends_on = None

OLD_STATUSES = ('requested', 'needs_approval', 'approved', 'rejected', 'invited', 'confirmed', 'declined',
                'expired', 'completed', 'cancelled', 'no_show')
NEW_STATUSES = OLD_STATUSES[:5] + ('proposed',) + OLD_STATUSES[5:]
OLD_WAITING = "status IN ('requested', 'needs_approval', 'approved', 'invited')"
NEW_WAITING = "status IN ('requested', 'needs_approval', 'approved', 'invited', 'proposed')"


def _statuses(statuses) -> str:
    return "status IN ({})".format(", ".join(f"'{status}'" for status in statuses))


def _swap(old_statuses, new_statuses, old_waiting, new_waiting):
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_index('ux_meeting_one_waiting', sqlite_where=sa.text(old_waiting),
                            postgresql_where=sa.text(old_waiting))
        batch_op.drop_constraint('status_known', type_='check')
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.create_check_constraint('status_known', _statuses(new_statuses))
        batch_op.create_index('ux_meeting_one_waiting', ['candidate_id', 'staff_id'], unique=True,
                              sqlite_where=sa.text(new_waiting), postgresql_where=sa.text(new_waiting))


def upgrade():
    op.create_table('counter_time',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.Column('start_at', sa.DateTime(), nullable=False),
    sa.Column('end_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_counter_time_meeting_id_meeting'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_counter_time'))
    )
    with op.batch_alter_table('counter_time', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_counter_time_meeting_id'), ['meeting_id'], unique=False)
    _swap(OLD_STATUSES, NEW_STATUSES, OLD_WAITING, NEW_WAITING)


def downgrade():
    bind = op.get_bind()
    bind.execute(sa.text("UPDATE meeting SET status = 'expired' WHERE status = 'proposed'"))
    _swap(NEW_STATUSES, OLD_STATUSES, NEW_WAITING, OLD_WAITING)
    with op.batch_alter_table('counter_time', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_counter_time_meeting_id'))
    op.drop_table('counter_time')
