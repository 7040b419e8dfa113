"""Times at the calendar's edges (year 1, year 9999) or just beyond a year away are refused with a
message and change nothing: no 500 from arithmetic that falls off the calendar."""

from __future__ import annotations

from datetime import timedelta

import pytest
from candidate_helpers import at, create, meetings

from portal.meetings.forms import slot_value
from portal.timeutil import utcnow

EDGES = ["9999-12-31T23:30Z", "0001-01-01T00:00Z", "FAR"]


def edge_value(edge: str) -> str:
    return slot_value(utcnow() + timedelta(days=367)) if edge == "FAR" else edge


@pytest.mark.parametrize("edge", EDGES)
def test_a_request_for_a_time_beyond_reach_is_refused(world, edge):
    response = world.client.post(f"/people/{world.tom}/request",
                                 data={"format": "video", "length": "30", "slots": edge_value(edge)})
    assert response.status_code == 422 and "Choose times from the list." in response.get_data(as_text=True)
    assert meetings(world) == []


@pytest.mark.parametrize("edge", EDGES)
def test_moving_a_conversation_beyond_reach_is_refused(world, edge):
    meeting_id = create(world, "tom", "confirmed", start=at(6, 15))
    response = world.client.post(f"/meetings/{meeting_id}/reschedule", data={"start": edge_value(edge)})
    assert response.status_code == 422 and "Choose a new time from the list." in response.get_data(as_text=True)
    (meeting,) = meetings(world)
    assert meeting.start_at == at(6, 15) and meeting.sequence == 1
