"""The clinic admin edits the techniques catalogue and the contraindication rules."""

from django import forms
from django.contrib import admin

from intake import conditions
from treatment_plans.models import ContraindicationRule, Technique


@admin.register(Technique)
class TechniqueAdmin(admin.ModelAdmin):
    list_display = ("name", "key", "is_active")
    list_editable = ("is_active",)
    prepopulated_fields = {"key": ("name",)}


class RuleForm(forms.ModelForm):
    condition = forms.ChoiceField(choices=[(c.key, c.label) for c in conditions.CONDITIONS])

    class Meta:
        model = ContraindicationRule
        fields = ["condition", "technique", "severity", "local", "reason", "is_active"]


@admin.register(ContraindicationRule)
class ContraindicationRuleAdmin(admin.ModelAdmin):
    form = RuleForm
    list_display = ("condition", "technique", "severity", "local", "is_active")
    list_filter = ("severity", "condition", "is_active")
