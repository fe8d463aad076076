"""``make bench``: the product measured against its limits, side by side in one run.

Every figure that is judged is a ratio to a limit measured in the same run on the same
machine (see docs/performance.md); absolute times are printed for reading, never asserted.
"""
