"""Turning a complaint text into the features the classifier weighs.

Words come from jieba (Chinese word segmentation; Latin words pass through it whole), plus
character n-grams so that typos ("brokn", "counterfiet") and unseen compounds still share
features with their correct spellings. A word inside a negation's scope ("没有变质", "not broken")
becomes a different feature, "¬变质", so that denying a problem never counts as reporting it.

jieba is imported on first use, not at import time: the workflow sandbox passes `policy` through,
and this module must stay cheap to import there even though only the classify activity calls it.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

NEGATED = "¬"
# Chinese cues negate the words that follow up to the next clause break; 不/没 also start many
# ordinary words (不理, 不退款), which is fine: the model learns "¬理" as its own feature.
_ZH_NEGATIONS = ("没有", "并没有", "不是", "并非", "没", "不", "未", "无", "别")
_EN_NEGATIONS = frozenset(
    {
        "not",
        "no",
        "never",
        "nothing",
        "without",
        "isn't",
        "wasn't",
        "aren't",
        "didn't",
        "doesn't",
        "don't",
        "won't",
        "haven't",
        "hasn't",
        "cannot",
        "can't",
        "nor",
        "neither",
    }
)
# A clause break, or a contrast word, ends a negation's scope.
_CLAUSE_BREAK = re.compile(r"[,.;:!?，。；：！？、…\n()（）\"“”]|\bbut\b|\bjust\b|但是|但|可是|就是|只是|而是|然而")
_WHITESPACE = re.compile(r"\s+")
_LATIN_WORD = re.compile(r"[a-z0-9][a-z0-9']*")
_CJK = re.compile(r"[\u3400-\u9fff]")
_MAX_SCOPE_WORDS = 4
_MAX_TEXT = 4000


@dataclass(frozen=True)
class Token:
    text: str
    negated: bool

    @property
    def feature(self) -> str:
        return (NEGATED if self.negated else "") + self.text


def normalize(text: str) -> str:
    """NFKC (full-width letters and digits become ASCII), case-folded, control characters dropped."""
    folded = unicodedata.normalize("NFKC", text[:_MAX_TEXT]).casefold()
    printable = "".join(ch if ch.isprintable() else " " for ch in folded)
    return _WHITESPACE.sub(" ", printable).strip()


def clauses(normalized: str) -> list[str]:
    return [part.strip() for part in _CLAUSE_BREAK.split(normalized) if part and part.strip()]


def tokens(text: str) -> list[Token]:
    """Words in order, each marked negated when a negation cue precedes it within its clause."""
    out: list[Token] = []
    for clause in clauses(normalize(text)):
        scope = 0
        for word in _segment(clause):
            if not word.strip():
                continue
            cue = _negation_cue(word)
            if cue:
                scope = _MAX_SCOPE_WORDS
                rest = word[len(cue) :] if word.startswith(cue) and len(word) > len(cue) else ""
                out.append(Token(word, negated=False))
                if rest:
                    out.append(Token(rest, negated=True))
                continue
            out.append(Token(word, negated=scope > 0))
            scope = max(scope - 1, 0)
    return out


def _negation_cue(word: str) -> str | None:
    if word in _EN_NEGATIONS or word.endswith("n't"):
        return word
    for cue in _ZH_NEGATIONS:
        if word.startswith(cue):
            return cue
    if len(word) <= 3 and word[-1] in "不没":  # 从来不, 也不, 还没: the cue closes the word
        return word
    return None


def _segment(clause: str) -> list[str]:
    words: list[str] = []
    for piece in _jieba().lcut(clause, HMM=False):
        piece = piece.strip()
        if not piece:
            continue
        if _CJK.search(piece):
            words.append(piece)
        else:
            words.extend(_LATIN_WORD.findall(piece))
    return words


@lru_cache(maxsize=1)
def _jieba() -> Any:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def char_ngrams(word: str, sizes: Iterable[int]) -> list[str]:
    padded = f"<{word}>" if not _CJK.search(word) else word
    return [padded[i : i + n] for n in sizes for i in range(len(padded) - n + 1)]


def features(text: str) -> dict[str, float]:
    """Binary features: words (w:) and character n-grams (c:), each carrying its negation mark."""
    toks = tokens(text)
    out: dict[str, float] = {}
    for token in toks:
        mark = NEGATED if token.negated else ""
        out[f"w:{mark}{token.text}"] = 1.0
        sizes = (1, 2) if _CJK.search(token.text) else (3, 4)
        for gram in char_ngrams(token.text, sizes):
            out[f"c:{mark}{gram}"] = 1.0
    # CJK character pairs across word boundaries catch compounds jieba splits differently.
    for token_run in _cjk_runs(toks):
        for i in range(len(token_run) - 1):
            out[f"c:{token_run[i : i + 2]}"] = 1.0
    return out


def _cjk_runs(toks: list[Token]) -> list[str]:
    runs, current = [], ""
    for token in toks:
        if token.negated or not _CJK.search(token.text):
            if current:
                runs.append(current)
            current = ""
        else:
            current += token.text
    if current:
        runs.append(current)
    return runs


def negated_spans(text: str) -> set[str]:
    """The words the text denies (for explaining why a keyword inside a negation did not count)."""
    return {token.text for token in tokens(text) if token.negated}
