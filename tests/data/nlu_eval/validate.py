"""Check the held-out NLU evaluation files and print their counts.

Run from the repository root: ``python tests/data/nlu_eval/validate.py``.
Exits non-zero when a line is malformed or a minimum count is not met.
"""

import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent

DUTIES = {
    "info_collection",
    "special_population",
    "public_security",
    "dispute_mediation",
    "environment",
    "legal_service",
    "traffic",
    "public_service",
}
KINDS = {"dialect", "traditional", "typo", "voice", "greeting", "story", "third_person", "short"}
EMERGENCIES = {
    "fire",
    "gas",
    "violence",
    "missing_person",
    "medical",
    "drowning",
    "electric",
    "collapse",
    "flood",
    "self_harm",
}
NONREPORTS = {
    "greet",
    "thanks",
    "query_status",
    "ask_worker",
    "help",
    "chitchat",
    "spam",
    "vague",
    "ask_service",
}

# Simplified characters whose traditional form differs; none may appear in a "traditional" line.
SIMPLIFIED_ONLY = set(
    "们这说对过还时间问题发现关门开会边楼电车东风个爷儿长经样没钱给让话进实动头学区见买卖调吗业"
    "热难单里户区处认证补贴养医疗报网络员导"
)
CJK_PUNCTUATION = set("，。？！、；：,.?!;:")
PHONE = re.compile(r"(?<!\d)1\d{10}(?!\d)")
FICTIONAL_PHONE = re.compile(r"139000000\d\d")


def read_rows(name: str, fields: int, errors: list[str]) -> list[tuple[int, list[str]]]:
    raw = (HERE / name).read_bytes()
    if raw.startswith(b"\xef\xbb\xbf"):
        errors.append(f"{name}: starts with a BOM")
    if b"\r" in raw:
        errors.append(f"{name}: contains CR characters")
    if not raw.endswith(b"\n"):
        errors.append(f"{name}: no final newline")
    rows = []
    for number, line in enumerate(raw.decode("utf-8").split("\n")[:-1], start=1):
        parts = line.split("\t")
        if len(parts) != fields or not all(part.strip() == part and part for part in parts):
            errors.append(f"{name}:{number}: expected {fields} non-empty TAB fields: {line!r}")
            continue
        rows.append((number, parts))
    return rows


def check_minimum(errors: list[str], what: str, counts: Counter, keys, minimum: int) -> None:
    for key in sorted(keys):
        if counts[key] < minimum:
            errors.append(f"{what}: {key} has {counts[key]}, needs at least {minimum}")


def main() -> int:
    errors: list[str] = []
    seen: dict[str, str] = {}

    def unique(name: str, number: int, text: str) -> None:
        where = f"{name}:{number}"
        if text in seen:
            errors.append(f"{where}: duplicate of {seen[text]}: {text}")
        seen[text] = where
        for phone in PHONE.findall(text):
            if not FICTIONAL_PHONE.fullmatch(phone):
                errors.append(f"{where}: phone number {phone} is not of the form 139000000xx")

    reports = read_rows("reports.tsv", 3, errors)
    labels: Counter = Counter()
    kinds: Counter = Counter()
    for number, (label, kind_field, text) in reports:
        where = f"reports.tsv:{number}"
        unique("reports.tsv", number, text)
        if label not in DUTIES:
            errors.append(f"{where}: unknown duty {label!r}")
        line_kinds = kind_field.split(",")
        if len(set(line_kinds)) != len(line_kinds) or not set(line_kinds) <= KINDS:
            errors.append(f"{where}: bad kinds {kind_field!r}")
        labels[label] += 1
        kinds.update(line_kinds)
        if "short" in line_kinds and len(text) > 8:
            errors.append(f"{where}: short text has {len(text)} characters")
        if "voice" in line_kinds and CJK_PUNCTUATION & set(text):
            errors.append(f"{where}: voice text has punctuation")
        if "traditional" in line_kinds and SIMPLIFIED_ONLY & set(text):
            found = "".join(sorted(SIMPLIFIED_ONLY & set(text)))
            errors.append(f"{where}: traditional text has simplified characters {found}")
    if len(reports) < 440:
        errors.append(f"reports.tsv: {len(reports)} lines, needs at least 440")
    check_minimum(errors, "reports.tsv", labels, DUTIES, 50)
    check_minimum(errors, "reports.tsv kinds", kinds, KINDS, 40)

    emergencies = read_rows("emergencies.tsv", 2, errors)
    emergency_counts: Counter = Counter()
    for number, (kind, text) in emergencies:
        unique("emergencies.tsv", number, text)
        if kind not in EMERGENCIES | {"none"}:
            errors.append(f"emergencies.tsv:{number}: unknown kind {kind!r}")
        emergency_counts[kind] += 1
    urgent = sum(count for kind, count in emergency_counts.items() if kind != "none")
    if urgent < 110:
        errors.append(f"emergencies.tsv: {urgent} emergencies, needs at least 110")
    check_minimum(errors, "emergencies.tsv", emergency_counts, EMERGENCIES, 8)
    check_minimum(errors, "emergencies.tsv", emergency_counts, {"self_harm"}, 15)
    check_minimum(errors, "emergencies.tsv", emergency_counts, {"none"}, 60)

    nonreports = read_rows("nonreports.tsv", 2, errors)
    nonreport_counts: Counter = Counter()
    for number, (label, text) in nonreports:
        unique("nonreports.tsv", number, text)
        if label not in NONREPORTS:
            errors.append(f"nonreports.tsv:{number}: unknown label {label!r}")
        nonreport_counts[label] += 1
    if len(nonreports) < 90:
        errors.append(f"nonreports.tsv: {len(nonreports)} lines, needs at least 90")
    check_minimum(errors, "nonreports.tsv", nonreport_counts, {"spam", "chitchat"}, 15)
    check_minimum(errors, "nonreports.tsv", nonreport_counts, {"ask_service"}, 15)
    check_minimum(errors, "nonreports.tsv", nonreport_counts, {"vague"}, 10)

    for title, total, counts in (
        ("reports.tsv duties", len(reports), labels),
        ("reports.tsv kinds", None, kinds),
        ("emergencies.tsv", len(emergencies), emergency_counts),
        ("nonreports.tsv", len(nonreports), nonreport_counts),
    ):
        suffix = f" ({total} lines)" if total is not None else ""
        print(f"{title}{suffix}")
        for key, count in sorted(counts.items()):
            print(f"  {key:20} {count}")
    for error in errors:
        print("ERROR", error, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
