"""Try the contraindication rules on one case: `manage.py screen_case FILE` (or `-` for
standard input) reads a case as JSON and prints the findings as JSON, through the same engine
as the plan and note screens (treatment_plans/screening.py). The README documents the format.
A malformed case, or an unknown key, is an error that names it (exit status 2)."""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from treatment_plans import screening
from treatment_plans.models import Technique


def _matcher():
    """intake.medications.match_medications where it exists (the medication lexicon)."""
    try:
        from intake.medications import match_medications
    except ImportError:
        return None
    return match_medications


class Command(BaseCommand):
    help = "Screen one case (JSON, from FILE or - for standard input) against the rules."
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        parser.add_argument("file", metavar="FILE", help="The case as JSON, or - to read stdin.")

    def handle(self, *args, **options):
        name = options["file"]
        try:
            if name == "-":
                text = (options.get("stdin") or sys.stdin).read()
            else:
                with open(name, encoding="utf-8") as handle:
                    text = handle.read()
        except OSError as error:
            raise CommandError(f"{name}: cannot read it ({error.strerror})", returncode=2) from None
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise CommandError(
                f"{name}: not JSON ({error.msg} at line {error.lineno}, column {error.colno})",
                returncode=2,
            ) from None
        techniques = set(Technique.objects.values_list("key", flat=True))
        try:
            facts, items = screening.parse_case(
                data, technique_keys=techniques, match_medications=_matcher()
            )
        except screening.CaseError as error:
            raise CommandError(str(error), returncode=2) from None
        findings = screening.screen(facts, items)
        weeks = facts.pregnancy_weeks
        out = {
            "findings": [screening.finding_json(f) for f in findings],
            "medications_matched": [
                {"text": m.text, "class": m.drug_class} for m in facts.medications
            ],
            "pregnancy_weeks": weeks,
            "trimester": None if weeks is None else (1 if weeks < 14 else 2 if weeks < 28 else 3),
            "days_since_delivery": facts.days_since_delivery,
        }
        self.stdout.write(json.dumps(out, indent=2, ensure_ascii=False))
