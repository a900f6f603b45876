"""Build src/pishkhan/core/fixtures/geography.json from Iran's divisions data.

Source: ahmadazizi/iran-cities v3.0 (MIT; Statistical Centre of Iran divisions of 1399) and the
2016 census province table, as laid out in the shared data folder. The fixture is committed, so
the project never reads that folder at run time. Run: python tools/build_geography.py DATA_DIR
"""

import csv
import json
import sys
from collections import Counter
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "src/pishkhan/core/fixtures/geography.json"


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


def fold(name: str) -> str:
    return name.replace("ي", "ی").replace("ك", "ک").strip()


# The source writes three province names without the space after «و» («سیستان وبلوچستان»).
PROVINCE_SPELLING = {
    "سیستان وبلوچستان": "سیستان و بلوچستان",
    "چهارمحال وبختیاری": "چهارمحال و بختیاری",
    "کهگیلویه وبویراحمد": "کهگیلویه و بویراحمد",
}


def main(data_dir: Path) -> None:
    census = {int(r["sci_code"]): r for r in rows(data_dir / "province_population_2016.csv")}
    fixture = []
    province_pk_by_source_id = {}
    for r in rows(data_dir / "ostan.csv"):
        sci = int(r["amar_code"])
        c = census[sci]
        pk = sci + 1  # stable primary keys: SCI code + 1 (SCI codes start at 00)
        province_pk_by_source_id[r["id"]] = pk
        fixture.append(
            {
                "model": "core.province",
                "pk": pk,
                "fields": {
                    "sci_code": f"{sci:02d}",
                    # ISO 3166-2:IR was renumbered on 2020-11-24 to the SCI codes (IR-23 is
                    # Tehran); the census table still carries the old codes.
                    "iso_code": f"IR-{sci:02d}",
                    "name_fa": PROVINCE_SPELLING.get(fold(r["name"]), fold(r["name"])),
                    "name_en": c["name_en"],
                    "population_2016": int(c["pop_2016"]),
                },
            }
        )
    if len(census) != len(province_pk_by_source_id):
        raise SystemExit("province tables do not match")
    cities = Counter(r["shahrestan"] for r in rows(data_dir / "shahr.csv"))
    for r in rows(data_dir / "shahrestan.csv"):
        fixture.append(
            {
                "model": "core.county",
                "pk": int(r["id"]),
                "fields": {
                    "province": province_pk_by_source_id[r["ostan"]],
                    "sci_code": r["amar_code"],
                    "name_fa": fold(r["name"]),
                    "city_count": cities.get(r["id"], 0),
                },
            }
        )
    OUT.write_text(json.dumps(fixture, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(
        f"wrote {OUT}: {len(province_pk_by_source_id)} provinces, "
        f"{len(fixture) - len(province_pk_by_source_id)} counties"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/iran-divisions"))
