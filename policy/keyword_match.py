"""Policy keywords found in a text, told apart into affirmed and denied ("没有变质", "not broken").

An occurrence is denied when a negation cue stands just before it in the same clause. A keyword
that is itself negative ("not working", "不退款", "未收到") is judged by what precedes it, so it
still counts as written.
"""

import re
from dataclasses import dataclass, field
from functools import lru_cache

from models.enums import ComplaintType
from models.policy import ClassificationPolicy
from policy.classification import _pattern
from policy.text_features import normalize

_CLAUSE_START = re.compile(r"[,.;:!?，。；：！？、…\n]|\bbut\b|但是|可是|就是|只是|而是")
# A Chinese cue may sit up to two characters before the keyword (没有变质, 不是假货, 也没过期).
_ZH_CUE_BEFORE = re.compile(r"(没有|没|不是|不|未|无|并非|从未)[\u3400-\u9fff]{0,2}\s*$")
_EN_CUE_BEFORE = re.compile(
    r"\b(not|no|never|without|isn't|wasn't|aren't|didn't|doesn't|don't|hasn't|"
    r"haven't|nothing|neither|nor)\b(\s+[a-z']+){0,2}\s*$"
)


@dataclass
class Hits:
    affirmed: dict[ComplaintType, list[str]] = field(default_factory=dict)
    denied: dict[ComplaintType, list[str]] = field(default_factory=dict)
    urgent: list[str] = field(default_factory=list)
    urgent_denied: list[str] = field(default_factory=list)
    suggestion: list[str] = field(default_factory=list)

    def explain(self) -> list[str]:
        rules = [f"keyword '{word}' → {ctype.value}" for ctype, words in self.affirmed.items() for word in words]
        rules += [
            f"keyword '{word}' denied in the text ({ctype.value} not counted)"
            for ctype, words in self.denied.items()
            for word in words
        ]
        rules += [f"urgent keyword '{word}' denied in the text (not counted)" for word in self.urgent_denied]
        return rules


def find(description: str, policy: ClassificationPolicy) -> Hits:
    text = normalize(description)
    hits = Hits()
    for ctype in dict.fromkeys([*policy.keywords, *policy.classifier_keywords]):
        keywords = dict.fromkeys([*policy.keywords.get(ctype, []), *policy.classifier_keywords.get(ctype, [])])
        for keyword in keywords:
            state = occurrence(text, keyword)
            if state == "affirmed":
                hits.affirmed.setdefault(ctype, []).append(keyword)
            elif state == "denied":
                hits.denied.setdefault(ctype, []).append(keyword)
    for keyword in dict.fromkeys([*policy.severity_a_keywords, *policy.classifier_urgent_keywords]):
        state = occurrence(text, keyword)
        if state == "affirmed":
            hits.urgent.append(keyword)
        elif state == "denied":
            hits.urgent_denied.append(keyword)
    suggestion_words = dict.fromkeys([*policy.severity_c_keywords, *policy.classifier_suggestion_keywords])
    hits.suggestion = [k for k in suggestion_words if occurrence(text, k) == "affirmed"]
    return hits


@lru_cache(maxsize=4096)  # a policy's keywords are tried against every complaint
def _needle(keyword: str) -> tuple[str, re.Pattern[str]]:
    """The keyword as the text is normalized, and its pattern."""
    normalized = normalize(keyword)
    return normalized.strip().casefold(), _pattern(normalized)


def occurrence(normalized_text: str, keyword: str) -> str | None:
    """'affirmed' if any occurrence is not negated, 'denied' if every one is, None if absent."""
    if not keyword.strip():
        return None
    needle, pattern = _needle(keyword)
    if needle not in normalized_text:  # the pattern matches only where the folded keyword stands
        return None
    found = None
    for match in pattern.finditer(normalized_text):
        before = normalized_text[: match.start()]
        clause = _CLAUSE_START.split(before)[-1]
        if _ZH_CUE_BEFORE.search(clause) or _EN_CUE_BEFORE.search(clause):
            found = "denied"
        else:
            return "affirmed"
    return found
