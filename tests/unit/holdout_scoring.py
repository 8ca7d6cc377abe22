"""Scoring of a held-out corpus: pipeline events compared with labels.json, figures per language.

Shared by the held-out evaluations (tests/unit/test_holdout.py, test_holdout2.py) so that every
corpus is scored by the same rules: parse fields by accuracy, entities by precision/recall/F1 with
`optional` labels neither required nor counted against the code, speakers over the quotes found.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from schemas import NewsEvent, RawDocument
from services.documents import content_type_for
from workers.pipeline import Outcome, process

PARSE_FIELDS = ("headline", "date", "place", "agency", "language")
ENTITY_FIELDS = ("persons", "organizations", "places", "quotes")
# Floors, not targets: a sound implementation clears them on text it has never seen.
PARSE_FLOOR = {"headline": 0.8, "date": 0.8, "place": 0.8, "language": 0.8}
F1_FLOOR = {"persons": 0.7, "places": 0.7, "quotes": 0.7}
# Kazakh has few articles per corpus (7, then 5): too few for a floor of its own; it counts in "all".
FLOOR_GROUPS = ("en", "ru", "all")


def norm(text: str | None) -> str:
    """Compare names ignoring case, ё/е, punctuation and hyphen-vs-space."""
    if text is None:
        return ""
    return " ".join(re.findall(r"\w+", text.casefold().replace("ё", "е")))


def names_of(gold: Any) -> set[str]:
    """The accepted spellings of a labelled item (a bare string or a dict with name and aka)."""
    if isinstance(gold, str):
        return {norm(gold)}
    return {norm(gold["name"]), *(norm(alias) for alias in gold.get("aka", []))}


def is_optional(gold: Any) -> bool:
    """Items a reader may or may not list: found or not, they do not count."""
    return isinstance(gold, dict) and bool(gold.get("optional"))


def same_person(predicted: Any, gold: Any) -> bool:
    """Same full name."""
    return norm(predicted.name) in names_of(gold)


def same_org(predicted: Any, gold: Any) -> bool:
    """Same body: a name or the acronym matches, or one name starts the other ('... of Kazakhstan')."""
    found = {norm(predicted.name)} | ({norm(predicted.acronym)} if predicted.acronym else set())
    for wanted in names_of(gold):
        if wanted in found:
            return True
        a, b = norm(predicted.name).split(), wanted.split()
        shorter, longer = (a, b) if len(a) <= len(b) else (b, a)
        if len(shorter) >= 2 and longer[: len(shorter)] == shorter:
            return True
    return False


def same_place(predicted: Any, gold: Any) -> bool:
    """Same name (or an accepted spelling) and, where the label has one, the same country."""
    code = gold.get("country_code")
    return norm(predicted.name) in names_of(gold) and (code is None or predicted.country_code == code)


def same_quote(predicted: Any, gold: Any) -> bool:
    """The quoted text starts with the labelled first words."""
    return norm(predicted.text).startswith(norm(gold["starts"]))


SAME: dict[str, Callable[[Any, Any], bool]] = {
    "persons": same_person,
    "organizations": same_org,
    "places": same_place,
    "quotes": same_quote,
}


@dataclass
class Counts:
    """True/false positives and false negatives of one field."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Report:
    """Every figure of the evaluation, per language and for 'all', and each miss to read."""

    hits: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: defaultdict(int)))
    articles: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    entities: dict[str, dict[str, Counts]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(Counts))
    )
    count_errors: list[str] = field(default_factory=list)
    misses: list[str] = field(default_factory=list)
    title: str = "held-out corpus"
    documents: int = 0

    def accuracy(self, group: str, name: str) -> float:
        return self.hits[group][name] / self.articles[group] if self.articles[group] else 0.0

    def print(self) -> None:
        groups = [*sorted(g for g in self.articles if g != "all"), "all"]
        print(f"\n{self.title}: {self.documents} documents, {self.articles['all']} labelled articles")
        print("parse accuracy  " + "".join(f"{g:>8}" for g in groups))
        for name in PARSE_FIELDS:
            print(f"  {name:<14}" + "".join(f"{self.accuracy(g, name):8.3f}" for g in groups))
        print("  articles      " + "".join(f"{self.articles[g]:8d}" for g in groups))
        print("enrichment          precision recall  F1   (speakers: right speaker among the quotes found)")
        for group in groups:
            for name, counts in self.entities[group].items():
                if name == "speakers":
                    right = f"{counts.tp}/{counts.tp + counts.fp}"
                    print(f"  {group:<4} {name:<14} accuracy {counts.precision:.3f} ({right})")
                    continue
                figures = f"{counts.precision:6.3f} {counts.recall:6.3f} {counts.f1:6.3f}"
                print(f"  {group:<4} {name:<14} {figures}  tp={counts.tp} fp={counts.fp} fn={counts.fn}")
        print("\n".join(["count errors:", *self.count_errors, "misses:", *self.misses]))


def load_labels(corpus: Path) -> dict[str, dict[str, Any]]:
    """A corpus's labels.json, without its comment keys."""
    labels = json.loads((corpus / "labels.json").read_text(encoding="utf-8"))
    return {name: label for name, label in labels.items() if not name.startswith("_")}


def raw_document(corpus: Path, name: str) -> RawDocument:
    """The dump as the CLI would hand it to the pipeline."""
    content = (corpus / name).read_bytes()
    return RawDocument.create(
        content, channel="cli", content_type=content_type_for(name, content), filename=name
    )


def match(
    predicted: Sequence[Any], gold: Sequence[Any], same: Callable[[Any, Any], bool]
) -> tuple[list[tuple[Any, Any]], list[Any], list[Any]]:
    """Pairs (predicted, required gold), then the unmatched predicted and required gold.

    Required labels are matched first; what is left of the prediction may then use up an optional
    label, which takes it out of the false positives.
    """
    pairs, extra = [], []
    required = [g for g in gold if not is_optional(g)]
    optional = [g for g in gold if is_optional(g)]
    for item in predicted:
        hit = next((g for g in required if same(item, g)), None)
        if hit is not None:
            pairs.append((item, hit))
            required.remove(hit)
            continue
        spare = next((g for g in optional if same(item, g)), None)
        if spare is not None:
            optional.remove(spare)
        else:
            extra.append(item)
    return pairs, extra, required


def observed(event: NewsEvent) -> dict[str, str | None]:
    """The labelled parse fields as the event carries them."""
    dateline = event.dateline
    return {
        "headline": event.headline,
        "date": event.published_at.date().isoformat() if event.published_at else None,
        "place": dateline.place if dateline else None,
        "agency": dateline.agency if dateline else None,
        "language": event.language,
    }


def same_value(name: str, expected: str | None, got: str | None) -> bool:
    """Equal ignoring spacing; places and agencies also ignoring case (datelines shout)."""
    if expected is None or got is None:
        return expected is got
    if name in ("place", "agency"):
        return expected.casefold() == got.casefold()
    return " ".join(expected.split()) == " ".join(got.split())


def shown(items: Iterable[Any]) -> list[str | None]:
    """Names or quote openings, for the miss list."""
    return [getattr(item, "name", None) or (getattr(item, "text", "") or "")[:40] for item in items]


def score_article(
    report: Report, where: str, groups: tuple[str, str], event: NewsEvent, gold: dict[str, Any]
) -> None:
    """Add one event compared with its label to the report."""
    got = observed(event)
    for group in groups:
        report.articles[group] += 1
    for name in PARSE_FIELDS:
        hit = same_value(name, gold[name], got[name])
        for group in groups:
            report.hits[group][name] += hit
        if not hit:
            report.misses.append(f"{where} {name}: want {gold[name]!r}, got {got[name]!r}")
    for name in ENTITY_FIELDS:
        predicted = getattr(event, name)
        pairs, extra, missed = match(predicted, gold[name], SAME[name])
        for group in groups:
            counts = report.entities[group][name]
            counts.tp, counts.fp, counts.fn = (
                counts.tp + len(pairs),
                counts.fp + len(extra),
                counts.fn + len(missed),
            )
        if extra or missed:
            wanted = [g if isinstance(g, str) else g.get("name", g.get("starts")) for g in missed]
            report.misses.append(f"{where} {name}: extra {shown(extra)} missing {wanted}")
        if name == "quotes":
            score_speakers(report, where, groups, pairs)


def score_speakers(report: Report, where: str, groups: tuple[str, str], pairs: list[tuple[Any, Any]]) -> None:
    """Speaker accuracy over the quotes that were found: tp right, fp wrong (null counts as wrong)."""
    for quote, label in pairs:
        accepted = label["speaker"] if isinstance(label["speaker"], list) else [label["speaker"]]
        hit = norm(quote.speaker) in {norm(s) for s in accepted}
        for group in groups:
            speakers = report.entities[group]["speakers"]
            speakers.tp, speakers.fp = speakers.tp + hit, speakers.fp + (not hit)
        if not hit:
            report.misses.append(
                f"{where} speaker of {quote.text[:30]!r}: want {accepted}, got {quote.speaker!r}"
            )


def score_missing(report: Report, where: str, groups: tuple[str, str], gold: dict[str, Any]) -> None:
    """An article the pipeline did not produce: every parse field wrong, every entity missed."""
    for group in groups:
        report.articles[group] += 1
        for name in ENTITY_FIELDS:
            report.entities[group][name].fn += sum(not is_optional(g) for g in gold[name])
    report.misses.append(f"{where}: no event for this article")


def score_outcome(report: Report, name: str, label: dict[str, Any], outcome: Outcome) -> None:
    """Compare one document's events with its labelled articles, in order."""
    groups = (label["language"], "all")
    wanted = label["articles"]
    for rejection in outcome.rejections:
        report.misses.append(f"{name}: rejected at {rejection.stage}: {rejection.code} {rejection.reason}")
    if len(outcome.events) != len(wanted):
        report.count_errors.append(f"{name}: {len(outcome.events)} events, labelled {len(wanted)}")
        # Without a one-to-one order the pairing is a guess: count every labelled article as missed
        # and every event's entities as false positives.
        for index, gold in enumerate(wanted):
            score_missing(report, f"{name}[{index}]", groups, {**gold, "language": label["language"]})
        for event in outcome.events:
            for group in groups:
                for field_name in ENTITY_FIELDS:
                    report.entities[group][field_name].fp += len(getattr(event, field_name))
        return
    for index, (event, gold) in enumerate(zip(outcome.events, wanted, strict=True)):
        score_article(report, f"{name}[{index}]", groups, event, {**gold, "language": label["language"]})


def run_corpus(corpus: Path, labels: dict[str, dict[str, Any]]) -> dict[str, Outcome]:
    """Every labelled dump of a corpus run through the pipeline once, as a worker would run it."""
    return {name: process(raw_document(corpus, name)) for name in sorted(labels)}


def evaluate(labels: dict[str, dict[str, Any]], outcomes: dict[str, Outcome], *, title: str) -> Report:
    """Score every outcome against its labels, print the figures once, and return them."""
    report = Report(title=title, documents=len(labels))
    for name, outcome in outcomes.items():
        score_outcome(report, name, labels[name], outcome)
    report.print()
    return report
