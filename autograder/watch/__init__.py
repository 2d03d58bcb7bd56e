"""Grading on submit: the watcher that grades each submission as it arrives.

inbox (new submissions in the exchange's inbound or in submitted/), ledger (the persistent
queue under .classgrade/watch/), policy (watch.toml: rate limit, what early feedback shows),
publish (feedback and notices, released through nbgrader's release_feedback), service (the loop).
"""
