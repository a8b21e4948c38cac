"""Production settings pass Django's deployment checklist and refuse a weak SECRET_KEY."""

import os
import subprocess
import sys

from tests.workers import REPO_ROOT

STRONG_KEY = "k3Y-" + "".join(chr(33 + (i * 7) % 90) for i in range(60))


def run_manage(*args, env_overrides):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "coach.settings.production",
            "ALLOWED_HOSTS": "coach.example.com",
            "DATABASE_URL": "postgres://coach@db.example.com:5432/coach",
            "REDIS_URL": "redis://redis.example.com:6379/0",
            **env_overrides,
        }
    )
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_under_production_settings():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env_overrides={"SECRET_KEY": STRONG_KEY}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_strong_secret_key():
    for key in ("", "short", "django-insecure-" + "a" * 60):
        result = run_manage("check", env_overrides={"SECRET_KEY": key})
        assert result.returncode != 0
        assert "SECRET_KEY" in result.stderr


def test_production_refuses_to_fall_back_to_the_embedded_defaults():
    for missing in ("DATABASE_URL", "REDIS_URL"):
        result = run_manage("check", env_overrides={"SECRET_KEY": STRONG_KEY, missing: ""})
        assert result.returncode != 0
        assert missing in result.stderr
