"""Use cases: plain async functions over a unit of work and the ports they are given."""
