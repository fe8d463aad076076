"""The pure complaint model: aggregates, events, policies and the working-day calendar.

Nothing here performs I/O or reads the clock; callers pass ``now``.
"""
