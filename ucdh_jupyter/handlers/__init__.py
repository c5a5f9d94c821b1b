"""Thin tornado handlers: parse, authorize, call the service layer, finish."""
