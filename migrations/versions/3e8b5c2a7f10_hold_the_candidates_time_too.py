"""hold the candidate's time too, and at most one waiting request per candidate and person

A confirmed conversation now holds 15-minute units of the candidate's time as well as the person's
(``candidate_booked_unit``), so two people can't both accept the same candidate's time. Existing
conversations that hold time are backfilled, earliest confirmed first; where a candidate was
already double-booked, the later one keeps its place in the calendar but doesn't hold the units
the earlier one holds.

A partial unique index allows one waiting request (requested, needs approval, approved, invited)
per candidate and person. Duplicates that races left behind are cancelled first, keeping the
oldest, with a history row saying why.

Revision ID: 3e8b5c2a7f10
Revises: 7a1c0e5d9b42
Create Date: 2026-12-04 18:00:00

"""
from datetime import datetime, timedelta, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3e8b5c2a7f10'
down_revision = '7a1c0e5d9b42'
branch_labels = None
depends_on = None

WAITING_SQL = "status IN ('requested', 'needs_approval', 'approved', 'invited')"
UNIT = timedelta(minutes=15)

meeting = sa.table('meeting', sa.column('id', sa.Integer), sa.column('candidate_id', sa.Integer),
                   sa.column('staff_id', sa.Integer), sa.column('status', sa.String), sa.column('format', sa.String),
                   sa.column('start_at', sa.DateTime), sa.column('end_at', sa.DateTime),
                   sa.column('updated_at', sa.DateTime), sa.column('created_at', sa.DateTime))
transition = sa.table('meeting_transition', sa.column('meeting_id', sa.Integer), sa.column('from_status', sa.String),
                      sa.column('to_status', sa.String), sa.column('at', sa.DateTime), sa.column('reason', sa.Text))
unit_table = sa.table('candidate_booked_unit', sa.column('candidate_id', sa.Integer),
                      sa.column('unit_start', sa.DateTime), sa.column('meeting_id', sa.Integer))


def _units(start, end):
    first = start.replace(minute=start.minute - start.minute % 15, second=0, microsecond=0)
    while first < end:
        yield first
        first += UNIT


def upgrade():
    op.create_table('candidate_booked_unit',
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('unit_start', sa.DateTime(), nullable=False),
    sa.Column('meeting_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['candidate.id'], name=op.f('fk_candidate_booked_unit_candidate_id_candidate'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['meeting_id'], ['meeting.id'], name=op.f('fk_candidate_booked_unit_meeting_id_meeting'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('candidate_id', 'unit_start', name=op.f('pk_candidate_booked_unit'))
    )
    with op.batch_alter_table('candidate_booked_unit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_candidate_booked_unit_meeting_id'), ['meeting_id'], unique=False)

    bind = op.get_bind()
    # Time held today: the meetings whose person holds units (confirmed, completed, no-show).
    held = bind.execute(
        sa.select(meeting.c.id, meeting.c.candidate_id, meeting.c.start_at, meeting.c.end_at)
        .where(meeting.c.id.in_(sa.text("SELECT DISTINCT meeting_id FROM booked_unit")))
        .order_by(meeting.c.start_at, meeting.c.id)).all()
    taken, rows = set(), []
    for meeting_id, candidate_id, start, end in held:
        for unit in _units(start, end):
            if (candidate_id, unit) not in taken:
                taken.add((candidate_id, unit))
                rows.append({'candidate_id': candidate_id, 'unit_start': unit, 'meeting_id': meeting_id})
    for i in range(0, len(rows), 5000):
        bind.execute(unit_table.insert(), rows[i:i + 5000])

    duplicates = bind.execute(
        sa.select(meeting.c.id, meeting.c.candidate_id, meeting.c.staff_id, meeting.c.status)
        .where(sa.text(WAITING_SQL)).order_by(meeting.c.created_at, meeting.c.id)).all()
    seen = set()
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    for meeting_id, candidate_id, staff_id, status in duplicates:
        if (candidate_id, staff_id) not in seen:
            seen.add((candidate_id, staff_id))
            continue
        bind.execute(meeting.update().where(meeting.c.id == meeting_id).values(status='cancelled', updated_at=now))
        bind.execute(transition.insert().values(meeting_id=meeting_id, from_status=status, to_status='cancelled',
                                                at=now, reason='A duplicate of an earlier request.'))
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.create_index('ux_meeting_one_waiting', ['candidate_id', 'staff_id'], unique=True,
                              sqlite_where=sa.text(WAITING_SQL), postgresql_where=sa.text(WAITING_SQL))


def downgrade():
    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.drop_index('ux_meeting_one_waiting', sqlite_where=sa.text(WAITING_SQL),
                            postgresql_where=sa.text(WAITING_SQL))
    with op.batch_alter_table('candidate_booked_unit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_candidate_booked_unit_meeting_id'))
    op.drop_table('candidate_booked_unit')
