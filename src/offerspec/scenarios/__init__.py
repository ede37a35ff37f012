"""Scenario files: pinned checkout and signup outcomes that ``offerspec test`` checks."""

from __future__ import annotations

from offerspec.scenarios.load import LoadedScenario, load_scenarios, split_paths
from offerspec.scenarios.run import ScenarioResult, run_scenario, run_scenarios

__all__ = ["LoadedScenario", "ScenarioResult", "load_scenarios", "run_scenario", "run_scenarios",
           "split_paths"]
