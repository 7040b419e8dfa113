"""Indexes for company scale (issue 19): the recruiters' candidate list in its default order and by
"recently added", lists sorted by name, the audit trail by action, recorded answers by bank question, a person's conversations with their status (busy times, the
busiest week), and on PostgreSQL analytics read from the index alone and search by part of a name or
address (trigram indexes, with the pg_trgm extension)

Revision ID: ad118d336a3b
Revises: 6a378577d984
Create Date: 2026-12-05 12:47:47.023839

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ad118d336a3b'
down_revision = '6a378577d984'
branch_labels = None
depends_on = None


def _postgresql():
    return op.get_bind().dialect.name == "postgresql"


def upgrade():
    with op.batch_alter_table('candidate', schema=None) as batch_op:
        batch_op.create_index('ix_candidate_list_deadline', [sa.text("(stage <> 'offer')"),
                                                             sa.text("(decision_deadline IS NULL)"),
                                                             'decision_deadline', 'id'], unique=False)
        batch_op.create_index('ix_candidate_created', ['created_at', 'id'], unique=False)

    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.create_index('ix_meeting_staff_start_status', ['staff_id', 'start_at', 'status', 'candidate_id'],
                              unique=False)
        batch_op.drop_index('ix_meeting_staff_start')

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.create_index('ix_user_name', ['name', 'id'], unique=False)

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_action_at', ['action', 'at'], unique=False)

    with op.batch_alter_table('recording', schema=None) as batch_op:
        batch_op.create_index('ix_recording_bank_key', ['bank_key'], unique=False)

    if _postgresql():
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.create_index('ix_user_name_trgm', 'user', ['name'], unique=False, postgresql_using='gin',
                        postgresql_ops={'name': 'gin_trgm_ops'})
        op.create_index('ix_user_email_trgm', 'user', ['email'], unique=False, postgresql_using='gin',
                        postgresql_ops={'email': 'gin_trgm_ops'})
        op.create_index('ix_analytics_cell_read', 'analytics_cell', ['position_id', 'metric', 'month', 'key'],
                        unique=False, postgresql_include=['n'])


def downgrade():
    if _postgresql():
        op.drop_index('ix_analytics_cell_read', table_name='analytics_cell')
        op.drop_index('ix_user_email_trgm', table_name='user')
        op.drop_index('ix_user_name_trgm', table_name='user')
        # pg_trgm stays: other things may use it, and it costs nothing unused

    with op.batch_alter_table('recording', schema=None) as batch_op:
        batch_op.drop_index('ix_recording_bank_key')

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_action_at')

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_index('ix_user_name')

    with op.batch_alter_table('meeting', schema=None) as batch_op:
        batch_op.create_index('ix_meeting_staff_start', ['staff_id', 'start_at'], unique=False)
        batch_op.drop_index('ix_meeting_staff_start_status')

    with op.batch_alter_table('candidate', schema=None) as batch_op:
        batch_op.drop_index('ix_candidate_created')
        batch_op.drop_index('ix_candidate_list_deadline')
