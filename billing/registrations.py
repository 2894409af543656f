"""What billing lends the pages of apps below it, through their registries (ARCHITECTURE.md,
"When a lower app must tell a higher one")."""


def register_all() -> None:
    """Called once from BillingConfig.ready."""
