"""Gaps are caught, not shipped: the shipped catalogues (German, Spanish, Japanese) hold every text the
code can show, each translated (every plural form, nothing fuzzy), each keeping the placeholders and
markup of its English, and the compiled catalogues the app reads are the current ones.

A new ``_("…")`` or ``{% trans %}`` without ``make messages`` fails (a), a text without a translation
fails (b). The last test breaks copies of a catalogue on purpose: each check finds its kind of gap.
"""

from __future__ import annotations

import shutil

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import write_po
from i18n_catalogues import (
    SHIPPED,
    compiled_problems,
    extract,
    extraction_problems,
    listing,
    placeholder_problems,
    po_path,
    read_catalogue,
    untranslated_problems,
)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    return extract(tmp_path_factory.mktemp("pot") / "messages.pot")


@pytest.mark.parametrize("language", SHIPPED)
def test_catalogue_has_exactly_what_the_code_extracts(extracted, language):
    assert len(extracted) > 0
    problems = extraction_problems(extracted, read_catalogue(po_path(language), language))
    assert problems == [], (f"{language}: the catalogue and the code differ ({len(problems)}); "
                            f"run `make messages` and translate:" + listing(problems))


@pytest.mark.parametrize("language", SHIPPED)
def test_every_entry_is_translated(language):
    problems = untranslated_problems(read_catalogue(po_path(language), language))
    assert problems == [], f"{language}: {len(problems)} entries lack a translation:" + listing(problems)


@pytest.mark.parametrize("language", SHIPPED)
def test_translations_keep_placeholders_and_markup(language):
    problems = placeholder_problems(read_catalogue(po_path(language), language))
    assert problems == [], f"{language}: {len(problems)} translations break their English:" + listing(problems)


@pytest.mark.parametrize("language", SHIPPED)
def test_compiled_catalogue_is_current(language):
    problems = compiled_problems(language)
    assert problems == [], f"{language}:" + listing(problems)


# --- the checks themselves find each kind of gap ---------------------------------------------------


def _catalogue(*messages) -> Catalog:
    catalog = Catalog(locale="de")
    for message in messages:
        catalog.add(*message[:2], flags=message[2] if len(message) > 2 else ())
    return catalog


def test_each_check_finds_its_gap_and_passes_a_good_catalogue(tmp_path):
    good = _catalogue(
        ("Save", "Speichern"),
        ("Sent to %(name)s.", "An %(name)s gesendet.", ("python-format",)),
        ("Read <a href=\"%(url)s\">the guide</a>.", "Lesen Sie <a href=\"%(url)s\">die Anleitung</a>.",
         ("python-format",)),
        (("%(num)d day left", "%(num)d days left"), ("Ein Tag übrig", "%(num)d Tage übrig"), ("python-format",)),
        ("Dear {candidate_first_name},", "Liebe(r) {candidate_first_name},"),
    )
    code = _catalogue(*[(m.id, "") for m in good if m.id])
    assert extraction_problems(code, good) == []
    assert untranslated_problems(good) == []
    assert placeholder_problems(good) == []

    # (a) a string the code has and the catalogue lacks; one the code dropped.
    newer = _catalogue(*[(m.id, "") for m in good if m.id], ("Cancel", ""))
    older = _catalogue(*[(m.id, m.string) for m in good if m.id and m.id != "Save"])
    assert [p[:20] for p in extraction_problems(newer, older)] == ["not in the catalogue", "not in the catalogue"]
    assert extraction_problems(code, _catalogue(*[(m.id, m.string) for m in good if m.id], ("Gone", "Weg"))) == [
        "no longer in the code: 'Gone'"]

    # (b) untranslated, fuzzy, a plural form left empty.
    gaps = _catalogue(("Save", ""), ("Cancel", "Abbrechen", ("fuzzy",)),
                      (("%(num)d day left", "%(num)d days left"), ("Ein Tag übrig", "")))
    assert [p.split(":")[0] for p in untranslated_problems(gaps)] == ["untranslated", "fuzzy", "plural forms 1/2 filled"]

    # (c) a lost or renamed placeholder, a lost brace placeholder, a dropped tag.
    broken = _catalogue(
        ("Sent to %(name)s.", "Gesendet.", ("python-format",)),
        ("Sent by %(name)s.", "Von %(nom)s gesendet.", ("python-format",)),
        ("Dear {candidate_first_name},", "Hallo,"),
        ("Read <a href=\"%(url)s\">the guide</a>.", "Lesen Sie die Anleitung (%(url)s).", ("python-format",)),
    )
    found = "\n".join(placeholder_problems(broken))
    for expected in ("'Sent to %(name)s.'", "'Sent by %(name)s.'", "{name} placeholders ['candidate_first_name']",
                     "HTML tags ['</a>', '<a href=\"%(url)s\">']"):
        assert expected in found, found

    # (d) a .mo missing, older than its .po, or lacking a translation the .po has.
    po = po_path("de", tmp_path)
    po.parent.mkdir(parents=True)
    with po.open("wb") as handle:
        write_po(handle, good)
    assert "is missing" in compiled_problems("de", tmp_path)[0]
    with po.with_suffix(".mo").open("wb") as handle:
        write_mo(handle, good)
    assert compiled_problems("de", tmp_path) == []
    stale = _catalogue(*[(m.id, m.string) for m in good if m.id and m.id != "Save"])
    with po.with_suffix(".mo").open("wb") as handle:
        write_mo(handle, stale)
    assert compiled_problems("de", tmp_path) == ["de .mo lacks or differs for 'Save': run `make translations`"]
    shutil.copystat(po, po.with_suffix(".mo"))
    import os

    os.utime(po.with_suffix(".mo"), (po.stat().st_mtime - 60, po.stat().st_mtime - 60))
    assert "older than its .po" in compiled_problems("de", tmp_path)[0]
