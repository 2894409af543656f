"""Two-factor sign-in: TOTP authenticator apps (RFC 6238) with single-use recovery codes."""
