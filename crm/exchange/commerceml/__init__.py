"""CommerceML 2 (versions 2.05–2.10 as 1C writes them): a streaming reader and
writer of catalogues, offers with prices, counterparties and documents."""
