"""The labelled complaint corpus (corpus/*.txt) and its fixed train/test split.

Each non-comment line is `SEVERITY DISPUTE_CLASS text`; the type comes from the file name, or
from the latest `# type: <type>` comment above the line. See corpus/README.md for the labelling rules.

The split is a function of the text alone (a hash), so it never changes when lines are added or
reordered, and training code can only ask for the train part: tuning never sees the test part.

corpus/fresh/ holds further held-out splits, one per file, each written blind (docs/CLASSIFIER.md): every
text in them is held out whatever its hash, and only the evaluation reads them (`blind_splits`); `load` and
`part`, all that training and tuning use, never look into the folder.
"""

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from models.enums import ComplaintType, DisputeClass, Severity

CORPUS_DIR = Path(__file__).resolve().parents[1] / "corpus"
BLIND_DIR = CORPUS_DIR / "fresh"
TEST_PERCENT = 30
Split = Literal["train", "test"]


@dataclass(frozen=True)
class Labelled:
    text: str
    type: ComplaintType
    dispute_class: DisputeClass
    severity: Severity
    source: str  # file:line, for error messages and the evaluation's list of misses

    @property
    def split(self) -> Split:
        return split_of(self.text)


def split_of(text: str) -> Split:
    digest = hashlib.sha256(text.strip().encode()).digest()
    return "test" if int.from_bytes(digest[:4], "big") % 100 < TEST_PERCENT else "train"


def load(directory: Path = CORPUS_DIR) -> list[Labelled]:
    items: list[Labelled] = []
    for path in sorted(directory.glob("*.txt")):
        items.extend(_parse(path))
    _refuse_duplicates(items)
    return items


def part(split: Split, directory: Path = CORPUS_DIR) -> list[Labelled]:
    return [item for item in load(directory) if item.split == split]


def blind_splits(directory: Path = BLIND_DIR, corpus_dir: Path = CORPUS_DIR) -> dict[str, list[Labelled]]:
    """Each file of corpus/fresh/ is a held-out split of its own, written blind (file stem -> texts); a text
    that repeats one of the main corpus or of another split is refused (it would measure what was trained
    on, or count twice)."""
    splits = {path.stem: _parse(path) for path in sorted(directory.glob("*.txt"))}
    _refuse_duplicates([*load(corpus_dir), *(item for items in splits.values() for item in items)])
    return splits


def _parse(path: Path) -> list[Labelled]:
    known = {ctype.value for ctype in ComplaintType}
    current = path.stem if path.stem in known else None
    out = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        where = f"{path.name}:{number}"
        if not line:
            continue
        if line.startswith("#"):
            words = line.lstrip("#").split()
            if len(words) >= 2 and words[0] == "type:":
                if words[1] not in known:
                    raise ValueError(f"{where}: unknown type {words[1]!r}")
                current = words[1]
            continue
        if current is None:
            raise ValueError(f"{where}: no type (name the file after a type or add '# type: <type>')")
        severity, dispute_class, text = _fields(line, where)
        out.append(
            Labelled(
                text=text, type=ComplaintType(current), dispute_class=dispute_class, severity=severity, source=where
            )
        )
    return out


def _fields(line: str, where: str) -> tuple[Severity, DisputeClass, str]:
    parts = line.split(maxsplit=2)
    if len(parts) < 3:
        raise ValueError(f"{where}: expected 'SEVERITY DISPUTE_CLASS text'")
    try:
        return Severity(parts[0]), DisputeClass(parts[1]), parts[2].strip()
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def _refuse_duplicates(items: list[Labelled]) -> None:
    seen: dict[str, str] = {}
    for item in items:
        key = item.text.strip().casefold()
        if key in seen:
            raise ValueError(f"{item.source}: duplicate of {seen[key]}")
        seen[key] = item.source
