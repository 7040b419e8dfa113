"""Indexes for company scale (issue 19): the recruiters' candidate list in its default order and by
"recently added", lists sorted by name, the audit trail by action, recorded answers by bank question, a person's conversations with their status (busy times, the
busiest week), and on PostgreSQL analytics read from the index alone and search by part of a name or
address (trigram indexes, with the pg_trgm extension)

Revision ID: ad118d336a3b
Revises: 6a378577d984
Create Date: 2026-12-05 12:47:47.023839

"""
import logging

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ad118d336a3b'
down_revision = '6a378577d984'
branch_labels = None
depends_on = None


def _postgresql():
    return op.get_bind().dialect.name == "postgresql"


def _trigrams_possible():
    """pg_trgm is there, or this role may add it: it is shipped (contrib) and trusted, so CREATE on the
    database is enough; a least-privilege migration role may have neither, and the rest still applies."""
    bind = op.get_bind()
    if bind.exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'").scalar():
        return True
    shipped = bind.exec_driver_sql("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'").scalar()
    return bool(shipped and bind.exec_driver_sql(
        "SELECT has_database_privilege(current_database(), 'CREATE')").scalar())


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
        if _trigrams_possible():
            op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            op.create_index('ix_user_name_trgm', 'user', ['name'], unique=False, postgresql_using='gin',
                            postgresql_ops={'name': 'gin_trgm_ops'})
            op.create_index('ix_user_email_trgm', 'user', ['email'], unique=False, postgresql_using='gin',
                            postgresql_ops={'email': 'gin_trgm_ops'})
        else:
            logging.getLogger("alembic.runtime.migration").warning(
                "pg_trgm is not installed and this role may not add it: searching candidates by part of a name "
                "reads every user. As the database's owner: CREATE EXTENSION pg_trgm; then "
                "CREATE INDEX ix_user_name_trgm ON \"user\" USING gin (name gin_trgm_ops); "
                "CREATE INDEX ix_user_email_trgm ON \"user\" USING gin (email gin_trgm_ops);")
        op.create_index('ix_analytics_cell_read', 'analytics_cell', ['position_id', 'metric', 'month', 'key'],
                        unique=False, postgresql_include=['n'])


def downgrade():
    if _postgresql():
        op.drop_index('ix_analytics_cell_read', table_name='analytics_cell')
        op.execute("DROP INDEX IF EXISTS ix_user_email_trgm")  # absent where pg_trgm couldn't be added
        op.execute("DROP INDEX IF EXISTS ix_user_name_trgm")
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
