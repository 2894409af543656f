"""Two-factor sign-in on django-otp: TOTP authenticator apps with single-use recovery codes."""
