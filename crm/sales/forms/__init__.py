"""Forms of sales, one module per sub-domain."""
