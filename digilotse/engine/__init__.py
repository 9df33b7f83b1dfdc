"""Digilotse's decision engine: pure Python + NumPy, never imports Django.

Each algorithm is a pure function that validates its input and returns a frozen result object with
documented fields and the intermediate values that explain it.
"""
