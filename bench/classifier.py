"""The classifier's cost per complaint: `python -m bench.classifier` classifies every corpus text with the
model classifier and the keyword rules, and prints the time per text and a digest of every answer.

The digest is what makes a speed-up safe: the same code inputs must give the same answers, byte for byte,
before and after (the figures of docs/CLASSIFIER.md then cannot move). It reads no split apart: it measures
speed and sameness, not accuracy.
"""

import hashlib
import statistics
import time

from policy import classifier_eval, corpus


def measure(rounds: int = 3) -> tuple[int, float, float, str]:
    """(texts, model ms per text, rules ms per text, digest of every answer), the median of `rounds`."""
    texts = [item.text for item in corpus.load()]
    model, rules = classifier_eval.model_classifier(), classifier_eval.rules_classifier()
    model_ms, rules_ms, digests = [], [], set()
    for _ in range(rounds):
        answers = []
        for classify, times in ((model, model_ms), (rules, rules_ms)):
            started = time.perf_counter()
            answers += [classify(text).model_dump_json() for text in texts]
            times.append(1000 * (time.perf_counter() - started) / len(texts))
        digests.add(hashlib.sha256("\n".join(answers).encode()).hexdigest()[:16])
    assert len(digests) == 1, "the classifier answered differently on the same texts"
    return len(texts), statistics.median(model_ms), statistics.median(rules_ms), digests.pop()


def main() -> None:
    texts, model_ms, rules_ms, digest = measure()
    print(f"{texts} corpus texts: model {model_ms:.2f} ms/text, rules {rules_ms:.2f} ms/text, answers {digest}")


if __name__ == "__main__":
    main()
