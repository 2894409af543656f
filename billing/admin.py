from django.contrib import admin

from billing.models import (
    AppointmentTypeFee,
    BillingCode,
    ClinicBilling,
    Modifier,
    Payer,
    PayerFee,
    PaymentMethod,
    TechniqueBillingCode,
    TherapistBilling,
)


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


# --- payers and fee schedules, payment methods, the billing identity (issue 18) ------------


class PayerFeeInline(admin.TabularInline):
    model = PayerFee
    extra = 1
    fields = ("billing_code", "fee")


@admin.register(Payer)
class PayerAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "payer_id", "unit_rule", "is_active")
    list_filter = ("kind", "unit_rule", "is_active")
    search_fields = ("name", "payer_id")
    inlines = [PayerFeeInline]


@admin.register(AppointmentTypeFee)
class AppointmentTypeFeeAdmin(admin.ModelAdmin):
    list_display = ("appointment_type", "fee")


@admin.register(PaymentMethod)
class PaymentMethodAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "reference_label", "is_active")
    list_filter = ("kind", "is_active")


@admin.register(ClinicBilling)
class ClinicBillingAdmin(admin.ModelAdmin):
    """One row: the clinic's billing identity (also edited on /billing/identity/, audited)."""

    list_display = ("legal_name", "ein", "npi", "place_of_service")

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not ClinicBilling.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(TherapistBilling)
class TherapistBillingAdmin(admin.ModelAdmin):
    list_display = ("therapist", "npi", "taxonomy", "license_state")
    list_select_related = ("therapist__user",)
