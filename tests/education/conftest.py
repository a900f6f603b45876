import csv

import pytest

from pishkhan.core.demo import demo_national_code

HEADER = [
    "national_code",
    "first_name",
    "last_name",
    "birth_date",
    "parent_national_code",
    "county",
    "school_code",
    "school_name",
    "year",
    "level",
    "field_of_study",
    "grade:math",
    "grade:physics",
    "gpa",
]


def code(seed: int) -> str:
    return demo_national_code(seed)


def student(seed: int, **changes: str) -> dict[str, str]:
    row = {
        "national_code": code(seed),
        "first_name": "سینا",
        "last_name": "طاهری",
        "birth_date": "1380/05/20",
        "parent_national_code": "",
        "county": "2301",
        "school_code": "1123",
        "school_name": "دبیرستان البرز",
        "year": "1398",
        "level": "upper_secondary",
        "field_of_study": "ریاضی و فیزیک",
        "grade:math": "18.50",
        "grade:physics": "17",
        "gpa": "",
    }
    row.update(changes)
    return row


@pytest.fixture
def write_csv(tmp_path):
    def write(rows, name="students.csv", header=HEADER):
        path = tmp_path / name
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=header)
            writer.writeheader()
            writer.writerows(rows)
        return path

    return write
