"""Precision and recall of the safeguarding screen on the labelled comments.

    python -m victimcare.feedback.triage_report            # whole set and holdout
    python -m victimcare.feedback.triage_report --errors   # plus each disagreement

The labelled set (data/triage_labelled.jsonl) is synthetic: comments written for
this purpose, labelled by hand independently of the rules. The holdout split was
written before the rules; it is no longer blind (see docs/feedback-triage.md).
A new blind batch is measured with --path on its own file, before anyone reads it. Tests call `evaluate` so the
numbers in docs/feedback-triage.md and the asserted ones come from one place.
Output never includes comments unless --errors is given (they are synthetic).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .triage import CATEGORIES, CATEGORY_LABELS, screen

LABELLED_PATH = Path(__file__).parent / "data" / "triage_labelled.jsonl"
HOLDOUT = "holdout"


@dataclass(frozen=True)
class Example:
    text: str
    language: str
    categories: frozenset[str]
    urgent: bool
    split: str = "dev"
    note: str = ""
    # 1: first set; 2, 3 and 4: blind tests later tuned on (now dev); 5: dev examples
    # added in round 3. The next blind batch is kept in its own file (use --path).
    batch: int = 1


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, *, truth: bool, predicted: bool) -> None:
        if truth and predicted:
            self.tp += 1
        elif predicted:
            self.fp += 1
        elif truth:
            self.fn += 1
        else:
            self.tn += 1

    @property
    def precision(self) -> float:
        """1.0 when nothing was predicted (no false alarms)."""
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        """1.0 when there was nothing to find."""
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0


@dataclass
class Report:
    examples: int = 0
    urgent: Counts = field(default_factory=Counts)
    flagged: Counts = field(default_factory=Counts)  # any category at all
    categories: dict[str, Counts] = field(default_factory=lambda: {c: Counts() for c in CATEGORIES})
    unscreened: int = 0
    errors: list[tuple[Example, tuple[str, ...], bool]] = field(default_factory=list)


def load_labelled(path: Path = LABELLED_PATH) -> list[Example]:
    """Every example in the labelled set; raises ValueError on a malformed line."""
    out: list[Example] = []
    with path.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            row = json.loads(line)
            cats = frozenset(row["categories"])
            if not cats <= set(CATEGORIES) or not isinstance(row["urgent"], bool):
                raise ValueError(f"line {n}: unknown category or urgent not a bool")
            out.append(
                Example(
                    text=row["text"],
                    language=row["language"],
                    categories=cats,
                    urgent=row["urgent"],
                    split=row.get("split", "dev"),
                    note=row.get("note", ""),
                    batch=int(row.get("batch", 1)),
                )
            )
    return out


def evaluate(examples: Iterable[Example]) -> Report:
    """Screen every example and count agreement per category and for urgency."""
    report = Report()
    for ex in examples:
        result = screen(ex.text, ex.language)
        report.examples += 1
        report.unscreened += not result.screened
        got = set(result.categories)
        report.urgent.add(truth=ex.urgent, predicted=result.urgent)
        report.flagged.add(truth=bool(ex.categories), predicted=bool(got))
        for cat, counts in report.categories.items():
            counts.add(truth=cat in ex.categories, predicted=cat in got)
        if got != ex.categories or result.urgent != ex.urgent:
            report.errors.append((ex, result.categories, result.urgent))
    return report


def _table(title: str, report: Report) -> list[str]:
    lines = [
        f"### {title} ({report.examples} comments, {report.unscreened} not screenable)",
        "",
        "| measure | positives | TP | FP | FN | precision | recall |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    rows = [("**urgent**", report.urgent), ("any category", report.flagged)]
    rows += [(CATEGORY_LABELS[c], report.categories[c]) for c in CATEGORIES]
    for name, c in rows:
        lines.append(
            f"| {name} | {c.tp + c.fn} | {c.tp} | {c.fp} | {c.fn} "
            f"| {c.precision:.3f} | {c.recall:.3f} |"
        )
    return lines


def render(examples: Sequence[Example], *, show_errors: bool = False) -> str:
    whole = evaluate(examples)
    lines = _table("Whole set", whole)
    for title, subset in (
        ("Dev split (rules tuned on it)", [e for e in examples if e.split != HOLDOUT]),
        ("Holdout split", [e for e in examples if e.split == HOLDOUT]),
        (
            "Batch 3 only (blind until round 3, then tuned on and moved to dev)",
            [e for e in examples if e.batch == 3],
        ),
        (
            "Batch 4 only (blind for the round 3 measurement, then tuned on and moved to dev)",
            [e for e in examples if e.batch == 4],
        ),
    ):
        lines += ["", *_table(title, evaluate(subset))]
    if show_errors:
        lines += ["", "### Disagreements (synthetic examples)", ""]
        for ex, cats, urgent in whole.errors:
            lines.append(
                f"- [{ex.split}/{ex.language}] labelled {sorted(ex.categories)} urgent={ex.urgent};"
                f" screen {list(cats)} urgent={urgent}: {ex.text!r}"
            )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list each disagreement")
    parser.add_argument("--path", type=Path, default=LABELLED_PATH)
    args = parser.parse_args(argv)
    print(render(load_labelled(args.path), show_errors=args.errors))


if __name__ == "__main__":
    main()
