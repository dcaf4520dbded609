"""Families of validate rules, one module each."""
