"""profiles.yml: the ci and prod targets share dev's connection and keep their own database."""

from __future__ import annotations

import yaml

from tests.python.helpers import REPO_ROOT

OWN_SETTINGS = {"dbname", "threads"}


def _outputs() -> dict[str, dict]:
    profiles = yaml.safe_load((REPO_ROOT / "profiles.yml").read_text())
    return profiles["financial_analytics"]["outputs"]


def test_ci_and_prod_share_every_connection_setting_of_dev() -> None:
    outputs = _outputs()
    assert set(outputs) == {"dev", "ci", "prod"}
    dev = outputs["dev"]
    for name in ("ci", "prod"):
        shared = {key: value for key, value in outputs[name].items() if key not in OWN_SETTINGS}
        assert shared == {key: value for key, value in dev.items() if key not in OWN_SETTINGS}
        assert set(outputs[name]) == set(dev), name


def test_each_target_builds_in_its_own_database() -> None:
    outputs = _outputs()
    assert "PGDATABASE" in outputs["dev"]["dbname"]
    for name, variable in (("ci", "FA_CI_DATABASE"), ("prod", "FA_PROD_DATABASE")):
        # a developer's PGDATABASE never redirects ci or prod
        assert variable in outputs[name]["dbname"] and "PGDATABASE" not in outputs[name]["dbname"]
    assert len({output["dbname"] for output in outputs.values()}) == 3
