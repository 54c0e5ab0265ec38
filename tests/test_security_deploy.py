"""Item 7 of the trust-and-safety issue: Django's deployment checks pass under production
settings, and README says which variables make them. Item 13: bandit finds nothing of
medium or high severity in the package."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from django.conf import settings
from django.test import SimpleTestCase

from tests.security import PRODUCTION_ENVIRONMENT


def deploy_check(**changes: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, **PRODUCTION_ENVIRONMENT, **changes}
    environment["DJANGO_SETTINGS_MODULE"] = "tautoko.settings"
    for variable in ("SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS"):
        environment.pop(variable, None)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


class DeployCheckTests(SimpleTestCase):
    def test_production_settings_pass_every_deployment_check(self) -> None:
        result = deploy_check()

        assert result.returncode == 0, result.stderr + result.stdout
        assert "System check identified no issues" in result.stdout

    def test_the_check_fails_without_https_so_the_test_above_can_fail(self) -> None:
        result = deploy_check(TAUTOKO_HTTPS="0")

        assert result.returncode != 0
        assert "security.W004" in result.stderr  # no HSTS
        assert "security.W012" in result.stderr  # session cookie not Secure

    def test_the_check_fails_in_demo_mode(self) -> None:
        result = deploy_check(TAUTOKO_DEMO="1", SECRET_KEY="")

        assert result.returncode != 0
        assert "tautoko.W001" in result.stderr
        assert "/dev/outbox/" in result.stderr

    def test_readme_names_every_variable_that_makes_production_settings(self) -> None:
        readme = (settings.BASE_DIR / "README.md").read_text(encoding="utf-8")
        paragraph = re.search(r"\*\*Production settings\*\*.*?\n\n", readme, re.DOTALL)

        assert paragraph is not None
        for variable in PRODUCTION_ENVIRONMENT:
            assert variable in paragraph.group(0), variable


class BanditTests(SimpleTestCase):
    def test_bandit_finds_nothing_of_medium_or_high_severity_in_the_package(self) -> None:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "bandit",
                "-c",
                "pyproject.toml",
                "-r",
                "tautoko",
                "--format",
                "json",
                "--quiet",
            ],
            cwd=settings.BASE_DIR,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        report = json.loads(result.stdout)
        serious = [
            f"{issue['filename']}:{issue['line_number']} {issue['test_id']} {issue['issue_text']}"
            for issue in report["results"]
            if issue["issue_severity"] in ("MEDIUM", "HIGH")
        ]

        assert report["metrics"]["_totals"]["loc"] > 1000  # it did scan the package
        assert serious == []
