"""Security controls (HIPAA 164.312, OWASP ASVS L2): sign-in throttling, session limits, ending
sessions, password length by role, and response headers (CSP, Permissions-Policy)."""
