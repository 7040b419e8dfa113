"""Files follow the database transaction: a recording's row and its file come and go together.

A new file is stored before its row is flushed. If the transaction (or the savepoint it was stored
in) rolls back, the file is deleted; a file a change replaces or removes is deleted only once the
whole change is committed, so a failed request never leaves a row without its file.

Each file is noted on the innermost transaction open when it was noted (a savepoint's, if any).
When a savepoint is released its notes pass to the transaction around it; when it rolls back, the
files it stored are deleted and the deletions it asked for are dropped (the rows are back). Only the
outermost commit deletes files for good. (SQLAlchemy sends ``after_commit`` and ``after_rollback``
for savepoints too, so they can't tell these apart; ``after_transaction_end`` sees which transaction
ended, and we remember how.)
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from ..extensions import db
from .media import delete_media

_NOTES = "recordings_file_notes"  # session.info: {transaction: (delete on commit, delete on rollback)}
_ENDED = "recordings_committed"  # session.info: transactions seen committing, until they end


def _notes(session: Session, transaction: SessionTransaction) -> tuple[list, list]:
    return session.info.setdefault(_NOTES, {}).setdefault(transaction, ([], []))


def _innermost(session: Session) -> SessionTransaction:
    transaction = session.get_nested_transaction() or session.get_transaction()
    if transaction is None:  # autobegin hasn't happened yet: begin, as the next statement would
        transaction = session.begin()
    return transaction


def delete_after_commit(file_key: str) -> None:
    """The file goes once the current change is committed (a replaced or removed recording)."""
    session = db.session()
    _notes(session, _innermost(session))[0].append(file_key)


def delete_after_rollback(file_key: str) -> None:
    """The file goes if the current change rolls back (a file just stored for a new row)."""
    session = db.session()
    _notes(session, _innermost(session))[1].append(file_key)


def _committed(session: Session) -> None:
    session.info.setdefault(_ENDED, set()).add(_innermost_open(session))


def _innermost_open(session: Session) -> SessionTransaction | None:
    return session.get_nested_transaction() or session.get_transaction()


def _ended(session: Session, transaction: SessionTransaction) -> None:
    notes = session.info.get(_NOTES, {}).pop(transaction, None)
    committed = transaction in session.info.get(_ENDED, set())
    session.info.get(_ENDED, set()).discard(transaction)
    if notes is None:
        return
    on_commit, on_rollback = notes
    if committed and transaction.parent is not None:  # a savepoint released: its parent decides
        parent = _notes(session, transaction.parent)
        parent[0].extend(on_commit)
        parent[1].extend(on_rollback)
        return
    for key in on_commit if committed else on_rollback:
        delete_media(key)


event.listen(Session, "after_commit", _committed)
event.listen(Session, "after_transaction_end", _ended)
