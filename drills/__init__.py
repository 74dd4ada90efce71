"""Reliability drills: inject a failure into a running system and prove that nothing was lost or doubled.

`complaints drills run` runs them at full size; tests/drills/ runs smaller versions in the test suite.
"""
