"""The web edge: authenticate, bound, parse and durably store each webhook, then answer."""
