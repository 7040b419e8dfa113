"""What each export holds: the candidate's own copy holds what the portal showed them and what they
wrote; the admin's full copy (a formal request, GDPR Art. 15) adds the internal notes, marked.

Every text below carries a marker that appears nowhere else, and the assertions read the zip itself
(data.json and index.html), so a leak through either file, or through any key, fails.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import datetime
from html import unescape

import pytest
from factories import make_candidate, make_staff, make_user
from helpers import HTMX, csrf_token

from portal.auth.models import User
from portal.candidates.models import Candidate
from portal.extensions import db
from portal.feedback.messages import publish_message, save_message
from portal.feedback.services import enter_feedback, request_feedback
from portal.privacy.export import INTERNAL_HEADING
from portal.questions.models import Question
from portal.timeutil import format_datetime

DRAFT = "DRAFTMSG-k3v9 We would love you to join"
PUBLISHED = "PUBLISHEDMSG-p7w2 Congratulations on the offer"
SHARED_WELL = "SHAREDWELL-h4j8 clear system design"
SHARED_GROW = "SHAREDGROW-q2n5 ask about on-call"
UNSHARED_WELL = "UNSHAREDWELL-z6c1 strong debugging"
UNSHARED_GROW = "UNSHAREDGROW-m8x3 seemed unsure about Kafka"
NOTE = "DECISIONNOTE-r5t0 said the salary was below their floor"
SOURCE = "SOURCE-b1y7 agency"
OWN_QUESTION = "OWNQUESTION-e9d4 How are on-call weeks paid?"
OTHER = "OTHERCANDIDATE-u3s6"  # in every text of the other candidate

INTERNAL_MARKERS = [DRAFT, UNSHARED_WELL, UNSHARED_GROW, NOTE, SOURCE]


def _zip_text(response) -> tuple[dict, str, str]:
    """data.json (parsed and raw) and index.html, from the downloaded zip."""
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert sorted(archive.namelist()) == ["data.json", "index.html"]
    raw = archive.read("data.json").decode()
    return json.loads(raw), raw, unescape(archive.read("index.html").decode())


def _internal_section(html: str) -> str:
    """The readable copy's marked section (from its heading to the end), or '' when there is none."""
    start = html.find(f'<h2 id="internal-heading">{INTERNAL_HEADING}</h2>')
    return html[start:] if start >= 0 else ""


def _world(app, *, published: bool) -> dict:
    """Our candidate, with a question of their own, a source and a decision note, two interviewers
    asked (Ivo answers, Una never does) and a message; another candidate whose every text carries
    OTHER. ``published=False``: Ivo's feedback and the message are still internal (a draft).
    ``published=True``: the message went out, so Ivo's feedback is shared; the draft was replaced."""
    with app.app_context():
        recruiter = make_user("recruiter", name="Rex Recruiter")
        admin = make_user("admin", name="Ada Admin")
        ivo = make_staff("team", name="Ivo Interviewer")
        una = make_staff("team", name="Una Unanswered")
        c = make_candidate(name="Zoë Quirke", email="zoe@example.org", owner=recruiter)
        c.source = SOURCE
        db.session.add(Question(candidate_id=c.id, text=OWN_QUESTION, category="growth"))
        rows = request_feedback(c, [ivo, una], by=recruiter)
        if published:
            enter_feedback(rows[0], SHARED_WELL, SHARED_GROW, by=recruiter)
            save_message(c, DRAFT, by=recruiter)  # a draft first: publishing replaces it
            publish_message(c, PUBLISHED, by=recruiter)
        else:
            enter_feedback(rows[0], UNSHARED_WELL, UNSHARED_GROW, by=recruiter)
            save_message(c, DRAFT, by=recruiter)
        c.decision_note = NOTE  # the decision form's "Note (optional)"

        other = make_candidate(name=f"Otto {OTHER}", email="otto@example.org", owner=recruiter)
        other.source, other.decision_note = f"{OTHER} source", f"{OTHER} note"
        db.session.add(Question(candidate_id=other.id, text=f"{OTHER} question", category="growth"))
        other_rows = request_feedback(other, [ivo], by=recruiter)
        enter_feedback(other_rows[0], f"{OTHER} went well", f"{OTHER} to grow", by=recruiter)
        publish_message(other, f"{OTHER} published message", by=recruiter)
        ids = {"candidate": c.id, "user": c.user_id, "admin": admin.id, "recruiter": recruiter.id}
        db.session.commit()
    return ids


def _login(auth, app, user_id):
    with app.app_context():
        auth.login(db.session.get(User, user_id))


def _own_export(app, client, auth, ids):
    _login(auth, app, ids["user"])
    return _zip_text(client.post("/account/export", data={"csrf_token": csrf_token(client, "/account")}))


def _full_export(app, client, auth, ids):
    _login(auth, app, ids["admin"])
    url = f"/recruiter/candidates/{ids['candidate']}"
    response = client.post(url + "/export", data={"csrf_token": csrf_token(client, url)})
    assert "full-with-internal-notes" in response.headers["Content-Disposition"]
    return _zip_text(response)


def test_own_export_before_publishing_holds_none_of_the_internal_texts(app, client, auth):
    ids = _world(app, published=False)
    data, raw, html = _own_export(app, client, auth, ids)
    for text in (raw, html):
        assert OWN_QUESTION in text
        for marker in [*INTERNAL_MARKERS, OTHER]:
            assert marker not in text, marker
    assert data["feedback_message"] is None and data["interviewer_feedback"] == []
    assert "internal_notes" not in data and str(INTERNAL_HEADING) not in html
    assert data["export"]["kind"] == "own"
    # The recruiter's working steps stay out of their timeline; what they did themselves is in it.
    summaries = [e["summary"] for e in data["timeline"]]
    assert not any("asked" in s and "for feedback" in s for s in summaries)
    assert not any("draft" in s for s in summaries)
    assert "ask your recruiter for a full copy" in data["export"]["contents"]


def test_own_export_after_publishing_holds_the_message_and_the_shared_feedback(app, client, auth):
    ids = _world(app, published=True)
    data, raw, html = _own_export(app, client, auth, ids)
    assert data["feedback_message"]["body"].strip() == PUBLISHED
    assert data["interviewer_feedback"] == [
        {"interviewer": "Ivo Interviewer", "went_well": SHARED_WELL, "to_grow": SHARED_GROW,
         "submitted_at": data["interviewer_feedback"][0]["submitted_at"]}]
    for text in (raw, html):
        assert PUBLISHED in text and SHARED_WELL in text and SHARED_GROW in text and OWN_QUESTION in text
        for marker in [DRAFT, NOTE, SOURCE, OTHER, "Una Unanswered"]:
            assert marker not in text, marker
    assert any("published the good-news message" in e["summary"] for e in data["timeline"])


@pytest.mark.parametrize("published", [False, True], ids=["draft", "published"])
def test_full_export_adds_the_internal_notes_in_a_marked_section(app, client, auth, published):
    ids = _world(app, published=published)
    own, _, _ = _own_export(app, client, auth, ids)
    data, raw, html = _full_export(app, client, auth, ids)
    assert data["export"]["kind"] == "formal"
    notes = data["internal_notes"]
    assert notes["heading"] == INTERNAL_HEADING == "Internal notes, not shown to the candidate in the portal"
    assert notes["decision_note"] == NOTE and notes["source"] == SOURCE
    not_shared = {f["interviewer"]: f for f in notes["interviewer_feedback_not_shared"]}
    assert not_shared["Una Unanswered"]["submitted_at"] is None
    if published:
        assert notes["draft_feedback_message"] is None
        assert "Ivo Interviewer" not in not_shared  # shared: it's in the main part, as in their own copy
        assert data["interviewer_feedback"][0]["went_well"] == SHARED_WELL
        assert DRAFT not in raw  # publishing replaced the draft: nothing left to disclose
    else:
        assert notes["draft_feedback_message"]["body"].strip() == DRAFT
        assert not_shared["Ivo Interviewer"]["went_well"] == UNSHARED_WELL
        assert not_shared["Ivo Interviewer"]["to_grow"] == UNSHARED_GROW
    assert any("for feedback" in e["summary"] for e in notes["timeline"])
    # Everything outside the marked section is exactly the candidate's own copy (the admin's export
    # of a moment ago is an internal timeline entry, not one of theirs).
    strip = ("exported_at", "export", "internal_notes")
    assert {k: v for k, v in data.items() if k not in strip} == {k: v for k, v in own.items() if k not in strip}
    assert notes["timeline"][-1]["summary"].endswith("exported by Ada Admin (full copy with internal notes, "
                                                     "for a formal request)")
    # In the readable copy the internal texts sit only under the marked heading.
    internal, main = _internal_section(html), html[:html.find('<h2 id="internal-heading">')]
    assert internal
    for marker in [NOTE, SOURCE] + ([] if published else [DRAFT, UNSHARED_WELL, UNSHARED_GROW]):
        assert marker in internal and marker not in main, marker
    assert OTHER not in raw and OTHER not in html


def test_the_places_recruiters_write_internal_text_say_it_may_be_disclosed(app, client, auth):
    with app.app_context():
        recruiter = make_user("recruiter", name="Rex Recruiter")
        c = make_candidate(name="Zoë Quirke", email="zoe@example.org", owner=recruiter)
        cid, rid = c.id, recruiter.id
        db.session.commit()
    _login(auth, app, rid)
    notice = re.compile(r"Internal: Zoë doesn.t see it in the portal, but it is personal data about them, "
                        r"so it is included if they make a formal request for their data\.")
    draft_notice = re.compile(r"the draft is internal: Zoë doesn.t see it in the portal, but it is personal "
                              r"data about them, so it is included if they make a formal request")
    for headers in ({}, HTMX):
        page = unescape(client.get(f"/recruiter/candidates/{cid}", headers=headers).get_data(as_text=True))
        assert notice.search(page), headers
        assert 'aria-describedby="note-hint"' in page  # read out with the field
    url = f"/recruiter/candidates/{cid}/message"
    composer = unescape(client.get(url).get_data(as_text=True))
    assert draft_notice.search(composer) and 'aria-describedby="body-hint"' in composer
    # The editor fragment (an htmx save that needs another look) keeps it.
    fragment = client.post(url, data={"csrf_token": csrf_token(client, url), "body": ""},
                           headers=HTMX)
    assert fragment.status_code == 422 and "<html" not in fragment.get_data(as_text=True)
    assert draft_notice.search(unescape(fragment.get_data(as_text=True)))
    with app.app_context():
        candidate = db.session.get(Candidate, cid)
        publish_message(candidate, "Welcome.", by=db.session.get(User, rid))
        db.session.commit()
    published = unescape(client.get(f"/recruiter/candidates/{cid}/message").get_data(as_text=True))
    assert not draft_notice.search(published)  # once published the candidate sees it: not internal any more


def test_the_readable_copy_shows_times_in_the_candidates_zone_not_iso(app, client, auth):
    ids = _world(app, published=True)
    data, _raw, html = _own_export(app, client, auth, ids)
    zone = data["account"]["time_zone"]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T[\d:.]+[+-]\d{2}:\d{2}", data["exported_at"])  # data.json: ISO
    # index.html: no ISO moment anywhere; the export time as people read it, with the zone's name.
    assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", html)
    shown = format_datetime(datetime.fromisoformat(data["exported_at"]), zone)
    assert f"Exported {shown}" in html and f"times are in {zone}" in html
