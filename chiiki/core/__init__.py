"""Domain rules of chiiki in plain Python (no Django import).

Everything that decides a number lives here once: fiscal years and 和暦, numbers and units,
targets, municipality codes, text clean-up. Django apps call these functions; tests exercise
them without a database.
"""
