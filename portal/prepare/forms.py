"""The checklist form: one box per item, each either ticked (``y``, what the box sends) or not sent."""

from __future__ import annotations

from wtforms import BooleanField
from wtforms.validators import StopValidation

from ..forms import Form
from ..i18n import _l
from .models import CHECKLIST

TICKED = "y"


def _a_box(form, field):
    """A box sends ``y`` or nothing; anything else is not a tick we can read."""
    if field.raw_data and (len(field.raw_data) > 1 or field.raw_data[0] != TICKED):
        raise StopValidation(_l("Tick the box or leave it empty."))


class ChecklistForm(Form):
    quiet_place = BooleanField(CHECKLIST["quiet_place"], validators=[_a_box])
    questions_ready = BooleanField(CHECKLIST["questions_ready"], validators=[_a_box])
    link_opened = BooleanField(CHECKLIST["link_opened"], validators=[_a_box])
    devices_checked = BooleanField(CHECKLIST["devices_checked"], validators=[_a_box])

    def ticked(self) -> dict[str, bool]:
        return {field: bool(getattr(self, field).data) for field in CHECKLIST}
