"""The clinic admin edits the techniques catalogue and the contraindication rules."""

from django import forms
from django.contrib import admin

from intake import conditions
from treatment_plans import screening
from treatment_plans.models import ContraindicationRule, Technique


@admin.register(Technique)
class TechniqueAdmin(admin.ModelAdmin):
    list_display = ("name", "key", "is_active")
    list_editable = ("is_active",)
    prepopulated_fields = {"key": ("name",)}


def _label(key: str) -> str:
    if key in conditions.BY_KEY:
        return f"{conditions.label(key)} ({key})"
    if key in screening.MEDICATION_CLASSES:
        return f"Medication: {key.replace('_', ' ')} ({key})"
    return key.replace("_", " ").capitalize() + f" ({key})"


def _choices(keys) -> list[tuple[str, str]]:
    return [(key, key.replace("_", " ")) for key in keys]


class RuleForm(forms.ModelForm):
    condition = forms.ChoiceField()
    regions = forms.MultipleChoiceField(
        choices=_choices(screening.REGIONS),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only work on these regions (none: anywhere). With local scope: the rest of "
        "the affected limb among them.",
    )
    positions = forms.MultipleChoiceField(
        choices=_choices(screening.POSITIONS),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only in these positions (none: any).",
    )
    pressures = forms.MultipleChoiceField(
        choices=_choices(screening.PRESSURES),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Only at these pressures (none: any).",
    )

    class Meta:
        model = ContraindicationRule
        fields = [
            "condition",
            "technique",
            "severity",
            "local",
            "regions",
            "positions",
            "pressures",
            "pregnancy_weeks_from",
            "pregnancy_weeks_to",
            "days_from",
            "days_to",
            "reason",
            "source",
            "is_active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["condition"].choices = [
            (key, _label(key)) for key in sorted(screening.condition_keys())
        ]


@admin.register(ContraindicationRule)
class ContraindicationRuleAdmin(admin.ModelAdmin):
    form = RuleForm
    list_display = ("condition", "technique", "severity", "local", "short_where", "is_active")
    list_filter = ("severity", "condition", "local", "is_active")
    search_fields = ("condition", "reason", "source")

    @admin.display(description="where / how / when")
    def short_where(self, rule: ContraindicationRule) -> str:
        parts = [", ".join(rule.regions), ", ".join(rule.positions), ", ".join(rule.pressures)]
        if rule.pregnancy_weeks_from is not None or rule.pregnancy_weeks_to is not None:
            parts.append(f"weeks {rule.pregnancy_weeks_from or 0}-{rule.pregnancy_weeks_to or ''}")
        if rule.days_from is not None or rule.days_to is not None:
            parts.append(f"days {rule.days_from or 0}-{rule.days_to or ''}")
        return "; ".join(p for p in parts if p) or "—"
