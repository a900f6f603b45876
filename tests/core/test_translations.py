"""The Persian catalogue is complete, and no translation drops or renames a placeholder."""

import re
from pathlib import Path

import polib

PO = Path(__file__).resolve().parents[2] / "src/pishkhan/locale/fa/LC_MESSAGES/django.po"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|\{(\w+)\}")


def names(text):
    return sorted(m.group(1) or m.group(2) for m in PLACEHOLDER.finditer(text))


def test_every_message_is_translated_and_none_fuzzy():
    po = polib.pofile(str(PO))
    assert not po.untranslated_entries(), [e.msgid for e in po.untranslated_entries()][:5]
    assert not po.fuzzy_entries(), [e.msgid for e in po.fuzzy_entries()][:5]


def test_placeholders_match():
    for entry in polib.pofile(str(PO)):
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in translations:
            assert names(text) == names(entry.msgid), entry.msgid


def test_translations_use_persian_letters():
    for entry in polib.pofile(str(PO)):
        for text in entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]:
            assert not set(text) & set("يك"), entry.msgid
