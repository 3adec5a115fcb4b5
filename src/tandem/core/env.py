"""Typed readers for configuration that comes from environment variables.

Each reader rejects a malformed value with a message naming the variable, so a typo in a
deployment fails at start-up instead of running with a silently different setting.
"""

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, *, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name} must be one of true/false/1/0/yes/no/on/off, not {raw!r}.")


def env_int(name: str, *, default: int, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}.")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_secret(name: str, *, generated_file: Path | None) -> str:
    """Read a secret from NAME, or from the file named by NAME_FILE.

    Without either, and when `generated_file` is given (local use), a random secret is made
    once and kept in that file so sessions survive restarts. Production passes None, which
    makes the variable required.
    """
    value = os.environ.get(name)
    if value:
        return value
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text().strip()
        except OSError as error:
            raise ImproperlyConfigured(f"{name}_FILE names {file_name!r}: {error}") from None
    if generated_file is None:
        raise ImproperlyConfigured(f"{name} (or {name}_FILE) must be set in production.")
    if generated_file.exists():
        return generated_file.read_text().strip()
    generated_file.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(50)
    generated_file.write_text(secret)
    generated_file.chmod(0o600)
    return secret
