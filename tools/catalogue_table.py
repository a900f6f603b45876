"""Regenerate the services table in docs/catalogue.md from catalog/data/catalogue.json."""

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs/catalogue.md"
data = json.loads((ROOT / "src/pishkhan/catalog/data/catalogue.json").read_text(encoding="utf-8"))
agencies = {a["code"]: a["name_en"] for a in data["agencies"]}


def fee(rows: list[dict], assessed: bool = False) -> str:
    if not rows:
        return "—"
    latest = rows[-1]
    text = (
        "assessed per case"
        if assessed and latest["amount"] == 0
        else ("0 (free)" if latest["amount"] == 0 else f"{latest['amount']:,}")
    )
    if len(rows) > 1:
        text += f" (from {latest['from']}; was {rows[-2]['amount']:,})"
    return text


lines = [
    "| Code | Seed # | Agency | Channels | Government fee (Rials) | Office-fee cap (Rials) "
    "| SLA (working days) |",
    "|---|---:|---|---|---:|---:|---:|",
]
for s in data["services"]:
    lines.append(
        f"| `{s['code']}` | {s['seed_number'] or '—'} | {agencies[s['agency']]} | "
        f"{' + '.join(s['channels'])} | "
        f"{fee(s['fees'].get('government', []), s.get('government_fee_assessed', False))} | "
        f"{fee(s['fees'].get('office_cap', []))} | {s['sla_working_days']} |"
    )
doc = DOC.read_text(encoding="utf-8")
doc = re.sub(r"\| Code \|.*?\n\n", "\n".join(lines) + "\n\n", doc, count=1, flags=re.S)
DOC.write_text(doc, encoding="utf-8")
print(f"{len(data['services'])} services written to {DOC}")
