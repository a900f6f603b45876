"""The Persian catalogue is complete, and no translation drops or renames a placeholder."""

import json
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


ADMIN_SCRIPT_STRING = re.compile(r"""\bgettext\(\s*(['"])((?:\\.|(?!\1).)*)\1""")


def test_every_string_the_admins_scripts_translate_has_persian(client, admin_user):
    # Django's Persian catalogue for the admin's scripts lacks strings Django 5 added ("Choose
    # all %s" showed as "Choose all اجازه‌ها"); djangojs.po fills them. Read from the admin's own
    # catalogue view, so whatever Django or we supply counts, and a Django upgrade that adds a
    # string without Persian fails here.
    import django.contrib.admin

    scripts = Path(django.contrib.admin.__file__).parent / "static/admin/js"
    wanted = {
        m.group(2).replace("\\'", "'").replace('\\"', '"')
        for path in scripts.glob("*.js")
        for m in ADMIN_SCRIPT_STRING.finditer(path.read_text(encoding="utf-8"))
    }
    assert "Choose all %s" in wanted and len(wanted) > 30
    client.force_login(admin_user)
    answer = client.get("/admin/jsi18n/", headers={"accept-language": "fa"})
    assert answer.status_code == 200
    script = answer.content.decode()
    catalogue = json.loads(re.search(r"const newcatalog = (\{.*?\});\n", script, re.S).group(1))
    missing = sorted(text for text in wanted if text not in catalogue)
    assert not missing, missing
    assert catalogue["Choose all %s"] == "انتخاب همهٔ %s"
