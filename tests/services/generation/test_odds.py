"""Candidates per round from a workspace's recent pass rate (services/generation/odds.py)."""

from __future__ import annotations

from services.generation.odds import OddsConfig, PassOdds

MODEL = "amazon.nova-canvas-v1:0"


def odds_after(outcomes: list[str], team: str | None = "T1") -> PassOdds:
    odds = PassOdds(OddsConfig(start=3))
    for outcome in outcomes:
        odds.note(team, MODEL, outcome)
    return odds


def test_without_a_history_a_round_makes_the_configured_number() -> None:
    assert odds_after(["accepted"] * 2).candidates("T1", MODEL) == 3


def test_where_most_images_pass_one_at_a_time_is_enough() -> None:
    assert odds_after(["accepted"] * 16 + ["rejected_by_verifier"] * 4).candidates("T1", MODEL) == 1


def test_where_half_pass_two_at_once() -> None:
    assert odds_after(["accepted", "rejected_by_verifier"] * 10).candidates("T1", MODEL) == 2


def test_where_few_pass_as_many_as_a_round_may_make() -> None:
    outcomes = ["accepted"] + ["rejected_by_verifier", "unsafe", "filtered", "rejected_by_verifier"] * 3
    assert odds_after(outcomes).candidates("T1", MODEL) == 5


def test_unverified_images_say_nothing_about_the_odds() -> None:
    odds = odds_after(["unverified"] * 20 + ["blocked"] * 5 + ["pending"])
    assert odds.pass_rate("T1", MODEL) is None


def test_workspaces_and_models_keep_their_own_history() -> None:
    odds = odds_after(["rejected_by_verifier"] * 10, team="T1")
    assert odds.candidates("T2", MODEL) == 3
    assert odds.candidates("T1", "amazon.titan-image-generator-v2:0") == 3


def test_only_the_recent_outcomes_count() -> None:
    odds = odds_after(["rejected_by_verifier"] * 100 + ["accepted"] * 40)
    assert odds.candidates("T1", MODEL) == 1


def test_a_lucky_start_does_not_read_as_easy() -> None:
    # Three passes in a row are not yet evidence that one image at a time will do.
    assert odds_after(["accepted"] * 3).candidates("T1", MODEL) == 2
