"""Scheduled runs: when a notebook runs again, and the schedules that run it (issue 14).

Service level, beside :mod:`ucdh_jupyter.runs`: no tornado, handlers or demo.
"""
