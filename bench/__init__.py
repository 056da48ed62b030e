"""Benchmark of the bot: the real ``python -m bot`` (HTTP mode) against local Slack and AWS servers.

Run ``python -m bench`` (``--help`` lists the options). Results go to ``bench/results/latest.json``.
"""
