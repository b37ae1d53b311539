def register() -> None:
    """Register this sub-domain's navigation items, card panels and search providers."""
