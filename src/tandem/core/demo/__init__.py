"""Demo and benchmark data: a deterministic plan of a B2B funnel, and two ways to write it.

`plan` makes the data as plain values from a seed; `write_services` writes a plan through the
real services (demo-sized), `write_bulk` with multi-row inserts (benchmark-sized). Both produce
the same rows, which a test checks.
"""
