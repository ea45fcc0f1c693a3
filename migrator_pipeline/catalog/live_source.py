"""Where a live SQL Server database is, and how to connect to it: `mssql://` URLs and ODBC
connection strings, read into a LiveSource, and a read-only pyodbc connection.

The password never comes from the command line: it is read from `MIGRATOR_MSSQL_PASSWORD`
(or, with a warning, from `PWD=` in an ODBC connection string) and is left out of every
message and `repr`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import struct
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, unquote, urlsplit

from migrator_pipeline.catalog.model import SourceError

PASSWORD_VARIABLE = "MIGRATOR_MSSQL_PASSWORD"
DEFAULT_DRIVER = "ODBC Driver 18 for SQL Server"
URL_SCHEMES = ("mssql", "mssql+pyodbc", "sqlserver")
_LOGIN_TIMEOUT_SECONDS = 15
_INSTALL_HINT = (
    "install the unixODBC driver manager and Microsoft's ODBC Driver 18 for SQL Server"
    " (Debian/Ubuntu: `apt-get install unixodbc`, then `ACCEPT_EULA=Y apt-get install msodbcsql18`"
    " from packages.microsoft.com)"
)
_PASSWORD_KEYS = ("pwd", "password")


# ---------------------------------------------------------------- the source


@dataclass(frozen=True)
class LiveSource:
    """Where a live SQL Server database is, and how to log in. `password` never shows."""

    server: str  # as ODBC spells it: `host` or `host,port`
    database: str
    user: str | None = None
    password: str | None = field(default=None, repr=False, compare=False)
    driver: str = DEFAULT_DRIVER
    options: tuple[tuple[str, str], ...] = ()  # other ODBC keywords, e.g. TrustServerCertificate
    display: str = ""  # the source as given, without any secret
    warnings: tuple[str, ...] = ()  # things to report as findings, e.g. a password in the string

    def __repr__(self) -> str:
        password = "'***'" if self.password else "None"
        return f"LiveSource(display={self.display!r}, server={self.server!r}, database={self.database!r}, user={self.user!r}, password={password})"

    def connection_string(self) -> str:
        """The ODBC connection string, password included: for `pyodbc.connect` only, never to print."""
        pairs = [("DRIVER", self.driver), ("SERVER", self.server), ("DATABASE", self.database)]
        if self.user:
            pairs.append(("UID", self.user))
        if self.password:
            pairs.append(("PWD", self.password))
        given = {key.lower() for key, _ in self.options}
        pairs += list(self.options)
        if "applicationintent" not in given:
            pairs.append(("ApplicationIntent", "ReadOnly"))
        return "".join(f"{key}={_odbc_value(value)};" for key, value in pairs)


def _odbc_value(value: str) -> str:
    """An ODBC attribute value, braced when it holds characters that would end or open one."""
    if not re.search(r"[;{}=\s]", value) and value == value.strip():
        return value
    return "{" + value.replace("}", "}}") + "}"


def is_live_source(source: str) -> bool:
    """True for an `mssql://` URL or an ODBC connection string (`Driver=...;Server=...;`)."""
    text = str(source).strip()
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if scheme in URL_SCHEMES:
        return True
    if ";" not in text or not re.match(r"^[A-Za-z][A-Za-z0-9_ ]*=", text):
        return False
    keys = {key.lower() for key, _ in _odbc_pairs(text)}
    return bool(keys & {"server", "dsn", "address", "addr"})


def parse_source_url(source: str) -> LiveSource:
    """A LiveSource from an `mssql://user@host[:port]/database?driver=...&Key=value` URL or an ODBC
    connection string. The password comes from MIGRATOR_MSSQL_PASSWORD (or PWD= with a warning)."""
    text = str(source).strip()
    if "://" in text and text.split("://", 1)[0].lower() in URL_SCHEMES:
        return _parse_url(text)
    if is_live_source(text):
        return _parse_odbc(text)
    raise SourceError(f"not a SQL Server URL or ODBC connection string: {_without_password(text)}")


def _parse_url(text: str) -> LiveSource:
    parts = urlsplit(text)
    if parts.password is not None:
        safe = parts._replace(netloc=f"{parts.username}@{parts.netloc.rsplit('@', 1)[1]}").geturl()
        raise SourceError(f"put the password in the environment variable {PASSWORD_VARIABLE}, not in the URL: {safe}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError as error:
        raise SourceError(f"bad SQL Server URL {text}: {error}") from None
    database = unquote(parts.path.lstrip("/"))
    if not host or not database or "/" in database:
        raise SourceError(f"a SQL Server URL needs a host and a database: mssql://user@host[:port]/database, got {text}")
    driver, options = DEFAULT_DRIVER, []
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key.lower() == "driver":
            driver = value
        elif key.lower() in _PASSWORD_KEYS:
            raise SourceError(f"put the password in the environment variable {PASSWORD_VARIABLE}, not in the URL")
        else:
            options.append((key, value))
    server = f"{host},{port}" if port else host
    user = unquote(parts.username) if parts.username else None
    return LiveSource(server, database, user, os.environ.get(PASSWORD_VARIABLE) or None, driver, tuple(options), text)


def _odbc_pairs(text: str) -> list[tuple[str, str]]:
    """`Key=value;Key={va;lue}` pairs of an ODBC connection string (a braced value may hold `;`)."""
    pairs = []
    for match in re.finditer(r"\s*([^=;]+?)\s*=\s*(\{(?:[^}]|\}\})*\}|[^;]*)\s*(?:;|$)", text):
        key, value = match.group(1), match.group(2)
        if value.startswith("{") and value.endswith("}"):
            value = value[1:-1].replace("}}", "}")
        pairs.append((key, value.strip()))
    return pairs


def _without_password(text: str) -> str:
    kept = [(key, value) for key, value in _odbc_pairs(text) if key.lower() not in _PASSWORD_KEYS]
    return ";".join(f"{key}={_odbc_value(value)}" for key, value in kept) if kept else "<unparsable>"


def _parse_odbc(text: str) -> LiveSource:
    values: dict[str, str] = {}
    options: list[tuple[str, str]] = []
    for key, value in _odbc_pairs(text):
        lower = key.lower()
        if lower in ("driver", "server", "address", "addr", "database", "initial catalog", "uid", "user id", "user") + _PASSWORD_KEYS:
            values[lower] = value
        else:
            options.append((key, value))
    server = values.get("server") or values.get("address") or values.get("addr") or ""
    database = values.get("database") or values.get("initial catalog") or ""
    display = _without_password(text)
    if not server or not database:
        raise SourceError(f"an ODBC connection string needs Server= and Database=: {display}")
    password = values.get("pwd") or values.get("password")
    warnings = ()
    if password:
        warnings = (f"the password is in the connection string; it is better in the environment variable {PASSWORD_VARIABLE}",)
    else:
        password = os.environ.get(PASSWORD_VARIABLE) or None
    user = values.get("uid") or values.get("user id") or values.get("user")
    driver = values.get("driver") or DEFAULT_DRIVER
    return LiveSource(server, database, user, password, driver, tuple(options), display, warnings)


# ---------------------------------------------------------------- connecting


def connect(source: LiveSource):
    """A pyodbc connection (autocommit, read-only intent). pyodbc is imported here, lazily,
    because it needs the unixODBC shared library, which only a live source needs."""
    try:
        import pyodbc
    except ImportError as error:
        raise SourceError(f"cannot use a live SQL Server source: pyodbc does not load ({error}); {_INSTALL_HINT}") from None
    try:
        connection = pyodbc.connect(source.connection_string(), autocommit=True, timeout=_LOGIN_TIMEOUT_SECONDS)
    except pyodbc.Error as error:
        raise SourceError(_connect_failure(source, error)) from None
    # pyodbc cannot fetch datetimeoffset (ODBC type -155) without a converter
    connection.add_output_converter(-155, _datetimeoffset)
    return connection


def _connect_failure(source: LiveSource, error: Exception) -> str:
    message = str(error.args[1] if len(error.args) > 1 else error).strip().splitlines()[0]
    if source.password:
        message = message.replace(source.password, "***")
    hint = ""
    if "IM002" in str(error) or "Can't open lib" in message or "file not found" in message:
        hint = f"; the ODBC driver {source.driver!r} is not installed: {_INSTALL_HINT}"
    return f"cannot connect to SQL Server {source.server}, database {source.database}: {message}{hint}"


def _datetimeoffset(raw: bytes) -> dt.datetime:
    # SQL_SS_TIMESTAMPOFFSET_STRUCT: year, month, day, hour, minute, second, nanoseconds, tz hour, tz minute
    y, mo, d, h, mi, s, ns, tz_h, tz_m = struct.unpack("<6hI2h", raw)
    zone = dt.timezone(dt.timedelta(hours=tz_h, minutes=tz_m))
    return dt.datetime(y, mo, d, h, mi, s, ns // 1000, zone)
