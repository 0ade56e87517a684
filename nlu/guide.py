"""The service guide (办事指南): residents' questions answered from YAML files operators edit,
one service a file, matched by character n-gram tf-idf retrieval over the examples and names."""

from __future__ import annotations

import logging
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import yaml
from sklearn.feature_extraction.text import TfidfVectorizer

log = logging.getLogger(__name__)

REPLY_ENDING = "需要网格员帮您代办吗？回复 1"
REPLY_BYTES = 1800  # WeChat shows 2048; room left for a line the conversation puts first
THRESHOLD = 0.28  # a score below this: not a question the guide answers
EXAMPLE_SHARE = 0.3  # of the score; the rest is the similarity to the service as a whole
UNSEEN_WEIGHT = 0.5  # of the highest idf, for an n-gram no guide file has
MAX_CHARS = 200  # a longer text is a story, not a question; only its start is compared
CHECK_EVERY = timedelta(seconds=5)  # a changed file is in use within two checks (10 s)
TEXT_FIELDS = ("name", "answer", "office", "hours", "phone")
LIST_FIELDS = ("examples", "materials")
REQUIRED = ("name", "examples", "answer")
MIN_EXAMPLES = 3
KEPT_READINGS = 8  # guides remembered by their files' stamps (see _read_stamped)
_NOT_WORD = re.compile(r"[\W_]+")


@dataclass(frozen=True)
class Entry:
    name: str
    examples: tuple[str, ...]
    answer: str
    materials: tuple[str, ...] = ()
    office: str = ""
    hours: str = ""
    phone: str = ""
    source: str = ""  # the file it was read from, as shown in problems

    def reply(self) -> str:
        lines = [f"【{self.name}】", self.answer]
        if self.materials:
            lines.append("需要准备：")
            lines += [f"{n}. {item}" for n, item in enumerate(self.materials, 1)]
        for label, value in (("办理地点", self.office), ("办理时间", self.hours)):
            if value:
                lines.append(f"{label}：{value}")
        if self.phone:
            lines.append(f"咨询电话：{self.phone}")
        lines.append(REPLY_ENDING)
        return "\n".join(lines)


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"


def normalise(text: str) -> str:
    """Full-width to half-width, lower case, only letters and digits (no spaces, punctuation,
    emoji or control characters)."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text[: MAX_CHARS * 4]).lower())[
        :MAX_CHARS
    ]


class Guide:
    """Matched by cosine similarity of character 1–2-gram tf-idf vectors: 30 % the closest
    example, 70 % the service's centroid. N-grams no file has count in the question's length
    (at half the highest idf), so a question about something else scores low."""

    def __init__(self, entries: Iterable[Entry] = ()):
        self.entries = tuple(entries)
        docs = [
            (i, normalise(t)) for i, e in enumerate(self.entries) for t in (e.name, *e.examples)
        ]
        self._vectorizer = None
        if any(text for _, text in docs):
            self._vectorizer = TfidfVectorizer(
                analyzer="char", ngram_range=(1, 2), sublinear_tf=True
            )
            self._fit([i for i, _ in docs], [text for _, text in docs])

    def _fit(self, owners: list[int], texts: list[str]) -> None:
        matrix = self._vectorizer.fit_transform(texts).toarray()
        self._owners = np.array(owners, dtype=np.intp)
        self._starts = np.flatnonzero(np.r_[True, self._owners[1:] != self._owners[:-1]])
        centroids = np.vstack(
            [matrix[self._owners == i].sum(axis=0) for i in range(len(self.entries))]
        )
        centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-12)
        self._docs, self._centroids = matrix.T.copy(), centroids.T.copy()  # a row per n-gram
        self._analyse = self._vectorizer.build_analyzer()
        self._columns = self._vectorizer.vocabulary_
        self._idf = self._vectorizer.idf_
        self._unseen_idf = UNSEEN_WEIGHT * float(self._idf.max())

    def __len__(self) -> int:
        return len(self.entries)

    def match(self, text: str) -> Entry | None:
        best, score = self.best(text)
        return best if score >= THRESHOLD else None

    def best(self, text: str) -> tuple[Entry | None, float]:
        """The closest service and its similarity (0–1), whatever the threshold."""
        query = normalise(text)
        if self._vectorizer is None or len(query) < 2:
            return None, 0.0
        columns, weights, unseen = [], [], 0.0
        for gram, count in Counter(self._analyse(query)).items():
            column = self._columns.get(gram)
            if column is None:
                unseen += ((1 + math.log(count)) * self._unseen_idf) ** 2
            else:
                columns.append(column)
                weights.append((1 + math.log(count)) * self._idf[column])
        if not columns:
            return None, 0.0
        vector = np.array(weights)
        vector /= math.sqrt(vector @ vector + unseen)
        closest = np.maximum.reduceat(vector @ self._docs[columns], self._starts)
        whole = vector @ self._centroids[columns]
        score = EXAMPLE_SHARE * closest + (1 - EXAMPLE_SHARE) * whole
        top = int(score.argmax())
        return self.entries[top], float(score[top])


def read_guide(folder: Path) -> tuple[Guide, list[Problem]]:
    """The services of every valid file in `folder`, and one Problem per fault found."""
    shown = _shown(folder)
    if not folder.is_dir():
        return Guide(), [Problem(shown, None, "no such folder")]
    paths = _guide_files(folder)
    if not paths:
        return Guide(), [Problem(shown, None, "no guide files (*.yml) in this folder")]
    parsed, problems = [], []
    for path in paths:
        result = _read_file(path, _shown(path))
        (problems if isinstance(result, Problem) else parsed).append(result)
    problems += _clashes(parsed)
    bad = {problem.path for problem in problems}
    return Guide(p.entry for p in parsed if p.entry.source not in bad), problems


class GuideWatcher:
    """The guide in use, read again when its files change; a faulty change is reported and the
    last good guide kept. Call `reload_if_changed(now)` every few seconds, or `current(now)`."""

    def __init__(self, folder: Path, now: datetime, every: timedelta = CHECK_EVERY):
        self.folder, self.every = folder, every
        self._stamp = _stamp(folder)
        self.guide, self.problems = _read_stamped(folder, self._stamp)
        self._report()
        self._checked = now

    def current(self, now: datetime) -> Guide:
        self.reload_if_changed(now)
        return self.guide

    def reload_if_changed(self, now: datetime) -> bool:
        """True when a changed guide was taken up."""
        if now - self._checked < self.every:
            return False
        self._checked = now
        stamp = _stamp(self.folder)
        if stamp == self._stamp:
            return False
        self._stamp = stamp
        guide, self.problems = _read_stamped(self.folder, stamp)
        if self._report():
            log.warning("guide: kept the last good guide (%d services)", len(self.guide))
            return False
        self.guide = guide
        log.info("guide: %d services read from %s", len(guide), _shown(self.folder))
        return True

    def _report(self) -> bool:
        for problem in self.problems:
            log.warning("%s", problem)
        return bool(self.problems)


_readings: dict[tuple, tuple[Guide, tuple[Problem, ...]]] = {}


def _read_stamped(folder: Path, stamp: tuple | None) -> tuple[Guide, list[Problem]]:
    """`read_guide(folder)`, remembered in this process by the folder and the names, sizes and
    times of its files (`stamp`, taken before reading): files with the same stamp are read
    once, however many watchers look at them (each app the tests start has one). A Guide is
    not changed once made, so watchers share it."""
    key = (folder.resolve(), Path.cwd(), stamp)  # problems show paths relative to the cwd
    if stamp is not None and key in _readings:
        guide, problems = _readings[key]
        return guide, list(problems)
    guide, problems = read_guide(folder)
    if stamp is not None and _stamp(folder) == stamp:  # no file changed while it was read
        while len(_readings) >= KEPT_READINGS:
            del _readings[next(iter(_readings))]  # the oldest
        _readings[key] = guide, tuple(problems)
    return guide, problems


def _guide_files(folder: Path) -> list[Path]:
    found = [*folder.glob("*.yml"), *folder.glob("*.yaml")]
    return sorted(p for p in found if not p.name.startswith(".") and p.is_file())


def _stamp(folder: Path) -> tuple | None:
    try:
        return tuple((p.name, *_size_and_time(p)) for p in _guide_files(folder))
    except OSError:  # the folder or a file went away between listing and looking
        return None


def _size_and_time(path: Path) -> tuple[int, int]:
    status = path.stat()
    return status.st_size, status.st_mtime_ns


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class _Parsed:
    entry: Entry
    name_line: int
    example_lines: dict[str, int]


def _read_file(path: Path, shown: str) -> _Parsed | Problem:
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as error:
        return Problem(shown, None, f"cannot read: {error.strerror}")
    except UnicodeDecodeError as error:
        return Problem(shown, _line_at(path.read_bytes(), error.start), "not UTF-8 text")
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        return _yaml_problem(error, text, shown)
    if node is None:
        return Problem(shown, 1, "empty file")
    if not isinstance(node, yaml.MappingNode):
        return Problem(shown, _line(node), "expected fields such as `name: ...`, one a line")
    return _entry(node, shown)


def _entry(node: yaml.MappingNode, shown: str) -> _Parsed | Problem:
    values: dict[str, str | tuple[str, ...]] = {}
    lines: dict[str, int] = {}  # of each field
    example_lines: dict[str, int] = {}
    for key, value in node.value:
        name = key.value if isinstance(key, yaml.ScalarNode) else ""
        if name not in TEXT_FIELDS + LIST_FIELDS:
            known = ", ".join(TEXT_FIELDS + LIST_FIELDS)
            return Problem(shown, _line(key), f"unknown field {name!r} (fields: {known})")
        if name in values:
            return Problem(shown, _line(key), f"{name} is given twice")
        read = _text if name in TEXT_FIELDS else _items
        result = read(name, value, shown)
        if isinstance(result, Problem):
            return result
        values[name], lines[name] = result, _line(key)
        if name == "examples":
            example_lines = {text: _line(item) for text, item in zip(result, value.value)}  # noqa: B905
    missing = [name for name in REQUIRED if name not in values]
    if missing:
        return Problem(shown, _line(node), f"missing field {missing[0]}")
    examples = values["examples"]
    if len(examples) < MIN_EXAMPLES:
        have = len(examples)
        return Problem(
            shown, lines["examples"], f"give at least {MIN_EXAMPLES} examples (has {have})"
        )
    entry = Entry(**values, source=shown)
    size = len(entry.reply().encode())
    if size > REPLY_BYTES:
        message = f"the reply is {size} bytes, more than {REPLY_BYTES}; shorten the answer"
        return Problem(shown, lines["answer"], message)
    return _Parsed(entry, lines["name"], example_lines)


def _text(name: str, node: yaml.Node, shown: str) -> str | Problem:
    if not (isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:str"):
        hint = ' (in quotes, e.g. phone: "0530-12345601")' if name == "phone" else ""
        return Problem(shown, _line(node), f"{name} must be text{hint}")
    if not node.value.strip():
        return Problem(shown, _line(node), f"{name} is empty")
    return node.value.strip()


def _items(name: str, node: yaml.Node, shown: str) -> tuple[str, ...] | Problem:
    if not isinstance(node, yaml.SequenceNode):
        return Problem(shown, _line(node), f"{name} must be a list, one `- item` a line")
    items = []
    for item in node.value:
        text = _text(name, item, shown)
        if isinstance(text, Problem):
            return Problem(shown, text.line, f"each of {name} must be text, not empty")
        if text in items:
            return Problem(shown, _line(item), f"{text!r} is repeated in {name}")
        items.append(text)
    return tuple(items)


def _clashes(parsed: list[_Parsed]) -> list[Problem]:
    """The same service name or example question in two files: which file wins is unclear."""
    names: dict[str, str] = {}
    examples: dict[str, str] = {}
    problems = []
    for p in parsed:
        source = p.entry.source
        clash = _first_clash(names, {p.entry.name: p.name_line}, source, "name")
        clash = clash or _first_clash(examples, p.example_lines, source, "example")
        if clash:
            problems.append(clash)
    return problems


def _first_clash(seen: dict[str, str], lines: dict[str, int], source: str, what: str):
    for text, line in lines.items():
        other = seen.setdefault(normalise(text), source)
        if other != source:
            return Problem(source, line, f"{what} {text!r} is also in {other}")
    return None


def _yaml_problem(error: yaml.YAMLError, text: str, shown: str) -> Problem:
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        reason = error.problem or error.context or "not valid YAML"
        return Problem(shown, mark.line + 1 if mark else None, f"YAML error: {reason}")
    if isinstance(error, yaml.reader.ReaderError):
        return Problem(shown, _line_at(text, error.position), "a control character in the file")
    return Problem(shown, None, f"YAML error: {error}")


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _line_at(text: str | bytes, position: int) -> int:
    return text.count("\n" if isinstance(text, str) else b"\n", 0, position) + 1
