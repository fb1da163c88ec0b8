"""The Chinese catalogue is complete and its compiled file matches it."""

from pathlib import Path

import polib

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_every_entry_is_translated_and_none_is_fuzzy():
    po = polib.pofile(str(LOCALE / "django.po"))
    assert not [e.msgid for e in po.untranslated_entries()], "untranslated entries"
    assert not [e.msgid for e in po.fuzzy_entries()], "fuzzy entries"
    assert len(po.translated_entries()) > 100


def test_compiled_catalogue_is_not_stale():
    po = polib.pofile(str(LOCALE / "django.po"))
    mo = polib.mofile(str(LOCALE / "django.mo"))
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in mo}
    source = {
        (e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural)
        for e in po.translated_entries()
        if "fuzzy" not in e.flags
    }
    assert compiled == source, "run `make messages` to recompile locale/zh_Hans"


def test_placeholders_survive_translation():
    import re

    po = polib.pofile(str(LOCALE / "django.po"))
    for entry in po.translated_entries():
        wanted = sorted(re.findall(r"%\(\w+\)s", entry.msgid))
        for translated in [entry.msgstr] if not entry.msgid_plural else entry.msgstr_plural.values():
            assert sorted(re.findall(r"%\(\w+\)s", translated)) == wanted, entry.msgid
