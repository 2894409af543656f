# Two-factor sign-in on django-otp (clinic/mfa/models.py): our own device and recovery-code
# tables go (nothing is deployed: no data to carry over); the authenticator is django-otp's
# TOTPDevice under a proxy, the recovery codes its StaticDevice and StaticToken.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("clinic", "0015_invitation_proof"),
        ("otp_totp", "0003_add_timestamps"),
        ("otp_static", "0003_add_timestamps"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="mfarecoverycode",
            name="device",
        ),
        migrations.DeleteModel(
            name="MfaDevice",
        ),
        migrations.DeleteModel(
            name="MfaRecoveryCode",
        ),
        migrations.CreateModel(
            name="MfaDevice",
            fields=[],
            options={
                "verbose_name": "two-factor device",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("otp_totp.totpdevice",),
        ),
    ]
