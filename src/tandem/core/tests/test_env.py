import pytest
from django.core.exceptions import ImproperlyConfigured

from tandem.core.env import env_bool, env_int, env_secret


def test_a_malformed_boolean_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEBUG", "maybe")

    with pytest.raises(ImproperlyConfigured, match="DEBUG must be one of"):
        env_bool("DEBUG", default=False)


def test_a_number_below_its_minimum_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAX_REQUEST_BYTES", "10")

    with pytest.raises(ImproperlyConfigured, match="at least 1024"):
        env_int("MAX_REQUEST_BYTES", default=4096, minimum=1024)


def test_a_local_secret_is_generated_once_and_kept(tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("SECRET_KEY_FILE", raising=False)
    kept = tmp_path / "secret_key"

    first = env_secret("SECRET_KEY", generated_file=kept)

    assert env_secret("SECRET_KEY", generated_file=kept) == first
    assert len(first) >= 50
    assert kept.stat().st_mode & 0o777 == 0o600


def test_production_requires_the_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("SECRET_KEY_FILE", raising=False)

    with pytest.raises(ImproperlyConfigured, match="must be set in production"):
        env_secret("SECRET_KEY", generated_file=None)


def test_the_secret_may_come_from_a_file(tmp_path, monkeypatch) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text("from-a-file\n")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("SECRET_KEY_FILE", str(secret_file))

    assert env_secret("SECRET_KEY", generated_file=None) == "from-a-file"
