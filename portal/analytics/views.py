"""Analytics pages (filled in below)."""
