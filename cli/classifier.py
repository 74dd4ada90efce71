"""`complaints classifier ...`: train, tune, evaluate and try the complaint classifier.

Training and tuning need scikit-learn (the dev extra); evaluate and try use only the shipped weights.
"""

import json
from pathlib import Path
from typing import Annotated

import typer

classifier_app = typer.Typer(help="The complaint classifier: train, tune, evaluate, try.", no_args_is_help=True)
DOC = Path(__file__).resolve().parents[1] / "docs" / "CLASSIFIER.md"


@classifier_app.command()
def train() -> None:
    """Train on the corpus' train split and write policy/classifier_model.json (deterministic)."""
    from policy import classifier_train, linear_model

    artifact = classifier_train.train()
    linear_model.write_artifact(linear_model.ARTIFACT, artifact)
    typer.echo(
        f"wrote {linear_model.ARTIFACT} ({artifact.meta['train_items']} training texts, "
        f"{len(artifact.type_model.weights)} type features, {len(artifact.severity_model.weights)} "
        "severity features)"
    )


@classifier_app.command()
def tune() -> None:
    """Cross-validated scores (train split only): each regularisation strength, each urgent_probability."""
    from policy import classifier_train

    typer.echo(json.dumps(classifier_train.tune(), indent=2))
    figures = classifier_train.tune_urgency()
    typer.echo("severity A at each severity C and urgent_probability (cross-validated recall, precision):")
    typer.echo("| severity C | urgent_probability | A recall | A precision |")
    typer.echo("| --- | --- | --- | --- |")
    for c, by_threshold in figures.items():
        for threshold, scores in by_threshold.items():
            typer.echo(f"| {c:g} | {threshold:.2f} | {scores['recall']:.1%} | {scores['precision']:.1%} |")
    choices = classifier_train.urgency_choices(figures)
    typer.echo(f"rule: {classifier_train.URGENCY_RULE}")
    if not choices:
        typer.echo("no setting meets the precision floor")
        return
    for rank, (c, threshold) in enumerate(choices[:5], start=1):
        scores = figures[c][threshold]
        typer.echo(
            f"{rank}. severity C={c:g}, urgent_probability={threshold:.2f}: "
            f"recall {scores['recall']:.1%}, precision {scores['precision']:.1%}"
        )


@classifier_app.command()
def evaluate(
    output: Annotated[Path, typer.Option(help="where to write the report")] = DOC,
) -> None:
    """Measure the shipped classifier on the held-out test split and write docs/CLASSIFIER.md."""
    from policy import classifier_report

    output.write_text(classifier_report.render(), encoding="utf-8")
    typer.echo(f"wrote {output}")


@classifier_app.command("try")
def try_text(text: Annotated[str, typer.Argument(help="a complaint text")]) -> None:
    """Classify one text and print the result with the rules that fired."""
    from models.policy import ClassificationPolicy
    from policy import classifier, classifier_eval

    result = classifier.suggest(
        description=text, order=classifier_eval.neutral_order(), volumes=None, policy=ClassificationPolicy()
    )
    typer.echo(json.dumps(result.model_dump(mode="json"), ensure_ascii=False, indent=2))
