"""One-off helper kept for translators: fill missing Persian translations in fa/django.po from
the tables in tools/fa_terms*.json, and list any msgid that still has none. Run after makemessages.
"""

import json
import re
import sys
from pathlib import Path

import polib

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "src/pishkhan/locale/fa/LC_MESSAGES/django.po"
# fa_terms.json, plus one fa_terms_<app>.json per app that keeps its own terms.
TERMS = sorted((ROOT / "tools").glob("fa_terms*.json"))

po = polib.pofile(str(PO))
po.metadata["Language"] = "fa"
po.metadata["Plural-Forms"] = "nplurals=2; plural=(n > 1);"
po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
terms = {}
for table in TERMS:
    terms.update(json.loads(table.read_text(encoding="utf-8")))
missing = []
for entry in po:
    if "fuzzy" in entry.flags:
        # A changed msgid: gettext guessed from the old one; never trust the guess.
        entry.flags.remove("fuzzy")
        entry.previous_msgid = entry.previous_msgid_plural = None
        entry.msgstr = ""
        entry.msgstr_plural = {0: "", 1: ""} if entry.msgid_plural else {}
    translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
    if any(t and placeholders(t) != placeholders(entry.msgid) for t in translations):
        entry.msgstr = ""
        entry.msgstr_plural = {0: "", 1: ""} if entry.msgid_plural else {}
    if entry.msgid_plural:
        if not all(entry.msgstr_plural.values()) and entry.msgid in terms:
            entry.msgstr_plural = {0: terms[entry.msgid], 1: terms[entry.msgid]}
        if not all(entry.msgstr_plural.values()):
            missing.append(entry.msgid)
    else:
        # A msgid with a context (pgettext) is keyed "context|msgid" in the tables.
        key = f"{entry.msgctxt}|{entry.msgid}" if entry.msgctxt else entry.msgid
        if not entry.msgstr and key in terms:
            entry.msgstr = terms[key]
        if not entry.msgstr:
            missing.append(entry.msgid)
po.save()
for msgid in missing:
    print("MISSING:", msgid)
sys.exit(1 if missing else 0)
