from django.contrib import admin

from billing.models import BillingCode, Modifier, TechniqueBillingCode


@admin.register(BillingCode)
class BillingCodeAdmin(admin.ModelAdmin):
    list_display = ("code", "description", "kind", "self_pay_fee", "is_active")
    list_filter = ("kind", "is_active")


@admin.register(TechniqueBillingCode)
class TechniqueBillingCodeAdmin(admin.ModelAdmin):
    list_display = ("technique", "billing_code")


@admin.register(Modifier)
class ModifierAdmin(admin.ModelAdmin):
    list_display = ("code", "description")
