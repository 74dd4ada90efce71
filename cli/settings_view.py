"""The effective settings as an operator sees them: environment variable, value, secrets masked."""

from pydantic import SecretStr
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from core.settings import Settings

MASK = "********"


def env_name(field: str) -> str:
    """pydantic-settings reads each field from the upper-cased field name (no prefix is configured)."""
    return field.upper()


def masked_url(url: str) -> str:
    """A database URL with its password hidden; the rest stays readable for troubleshooting."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return MASK


def display_value(field: str, value: object) -> str:
    if isinstance(value, SecretStr):
        if not value.get_secret_value():
            return "(empty)"
        default = Settings.model_fields[field].default
        if isinstance(default, SecretStr) and default.get_secret_value() == value.get_secret_value():
            return f"{MASK} (built-in development value: set {env_name(field)} in production)"
        return MASK
    if value is None:
        return "(not set)"
    if field == "database_url":
        return masked_url(str(value))
    return str(value)


def settings_rows(settings: Settings) -> list[tuple[str, str]]:
    rows = [(env_name(name), display_value(name, getattr(settings, name))) for name in type(settings).model_fields]
    rows.append(("(effective database)", masked_url(settings.db_url)))
    return rows


def render_settings(settings: Settings) -> str:
    rows = settings_rows(settings)
    width = max(len(name) for name, _ in rows)
    return "\n".join(f"{name.ljust(width)}  {value}" for name, value in rows)
