"""python manage.py evaluate_matching JUDGEMENTS.json [--engine keyword] [--lexical-only]
[--json OUT] [--fail-under 0.85]

Runs each judged case through the one engine (or the keyword baseline) and prints nDCG@10,
recall@10, MRR and constraint breaks per case and overall (docs/matching-evaluation.md).
"""

import json
import os
import sys
from contextlib import contextmanager

from django.core.management.base import BaseCommand, CommandError

from directory import evaluation

SEMANTIC_SWITCH = "LINKWORK_SEMANTIC"
SEMANTIC_MODULE = "directory.semantic"


class Command(BaseCommand):
    help = "Measure matching against a judged set: nDCG@10, recall@10, MRR, constraint breaks."

    def add_arguments(self, parser):
        parser.add_argument("file", help="A judgement file (linkwork-judgements/1)")
        parser.add_argument(
            "--engine",
            choices=evaluation.ENGINES,
            default="linkwork",
            help="linkwork (the one engine, default) or keyword (BM25 on name and "
            "description with exact filters: the baseline to beat)",
        )
        parser.add_argument(
            "--lexical-only",
            action="store_true",
            help="Run the engine without its semantic similarity",
        )
        parser.add_argument("--json", metavar="OUT", help="Also write the figures here")
        parser.add_argument(
            "--fail-under",
            type=float,
            metavar="X",
            help="Exit 1 if overall nDCG@10 is under X or any constraint is broken",
        )

    def handle(self, *args, **options):
        file, engine, lexical_only = options["file"], options["engine"], options["lexical_only"]
        out, fail_under = options["json"], options["fail_under"]
        try:
            judged = evaluation.load(file)
        except evaluation.JudgementError as error:
            raise CommandError(f"{file} cannot be evaluated:\n{error}") from error
        notes = []
        if lexical_only and engine == "keyword":
            notes.append("--lexical-only has no effect on the keyword baseline")
        self.stdout.write(
            f"Evaluating {len(judged.cases)} cases ({judged.split} set) with the "
            f"{engine} engine" + (f" on {judged.directory}" if judged.directory else "")
        )
        with _semantic_off(lexical_only):
            try:
                report = evaluation.evaluate(judged, engine, progress=self._progress)
            except evaluation.JudgementError as error:
                raise CommandError(str(error)) from error
        if lexical_only and engine == "linkwork":
            # Known only after the run: whether the engine reached for its semantic part.
            if SEMANTIC_MODULE in sys.modules:
                notes.append(f"semantic similarity was off ({SEMANTIC_SWITCH}=off)")
            else:
                notes.append("the engine has no semantic part yet: --lexical-only changed nothing")
        for line in notes:
            self.stdout.write(f"Note: {line}")
        report.notes = notes
        self._overall(report)
        if out:
            _write_json(out, report.as_json())
            self.stdout.write(f"Figures written to {out}")
        if fail_under is not None:
            overall = report.overall
            if overall["ndcg_at_10"] < fail_under:
                raise CommandError(
                    f"overall nDCG@10 {overall['ndcg_at_10']:.3f} is under {fail_under}",
                    returncode=1,
                )
            if overall["breaks"]:
                raise CommandError(
                    f"{overall['breaks']} constraint break(s) in the top {evaluation.K}",
                    returncode=1,
                )

    def _progress(self, number, total, case):
        self.stdout.write(
            f"[{number}/{total}] {case.id}: nDCG@10 {case.ndcg:.3f}  "
            f"recall@10 {_figure(case.recall)}  RR {_figure(case.reciprocal_rank)}  "
            f"breaks {case.breaks}"
        )
        for b in case.broken:
            self.stdout.write(f"    #{b.rank} {b.name} ({b.service_id}): {'; '.join(b.breaks)}")

    def _overall(self, report):
        o = report.overall
        n = o["cases"]
        self.stdout.write(f"Overall, {n} cases, {report.engine} engine:")
        self.stdout.write(f"  nDCG@10    {o['ndcg_at_10']:.3f}")
        left_out = n - o["recall_cases"]
        self.stdout.write(
            f"  recall@10  {_figure(o['recall_at_10'])} over {o['recall_cases']} cases"
            + (f" ({left_out} with no grade >= 2 listing left out)" if left_out else "")
        )
        left_out = n - o["mrr_cases"]
        self.stdout.write(
            f"  MRR        {_figure(o['mrr'])} over {o['mrr_cases']} cases"
            + (f" ({left_out} with no grade 3 listing left out)" if left_out else "")
        )
        kinds = ", ".join(f"{k} {v}" for k, v in o["breaks_by_kind"].items())
        self.stdout.write(
            f"  constraint breaks in the top {evaluation.K}: {o['breaks']}"
            + (f" in {o['cases_with_breaks']} cases ({kinds})" if o["breaks"] else "")
        )


def _figure(value) -> str:
    return "-" if value is None else f"{value:.3f}"


def _write_json(path, data):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, indent=2, ensure_ascii=False)
        f.write("\n")


@contextmanager
def _semantic_off(lexical_only: bool):
    """`LINKWORK_SEMANTIC=off` turns the engine's semantic similarity off (ADR 0011 §4);
    restored afterwards, so that the process is left as found."""
    if not lexical_only:
        yield
        return
    before = os.environ.get(SEMANTIC_SWITCH)
    os.environ[SEMANTIC_SWITCH] = "off"
    try:
        yield
    finally:
        if before is None:
            del os.environ[SEMANTIC_SWITCH]
        else:
            os.environ[SEMANTIC_SWITCH] = before
