"""The course's LMS config (lms.toml) and the tool's credentials (a file outside the repository).

lms.toml says which Canvas assignment and which LTI line item each course
assignment is, and who each student is there; it holds no secret. The
credentials file is the tool's RSA private key (PEM), readable by its owner
only and kept outside the repository: its path comes from --credentials or
the AUTOGRADER_LMS_CREDENTIALS environment variable, never the key itself.
"""
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

CREDENTIALS_ENV = "AUTOGRADER_LMS_CREDENTIALS"
CANVAS_MATCH_COLUMNS = ("ID", "SIS User ID", "SIS Login ID")
USER_ID_SOURCES = ("students", "nbgrader")
DEFAULT_LEDGER = "reports/lms/lti-ledger.json"
SECTIONS = {"canvas", "lti", "assignments", "students"}
TARGET_KEYS = {"canvas_id": ("Canvas assignment id", 'canvas = "<canvas assignment id>"'),
               "lineitem": ("line item", 'lineitem = "<the platform\'s line item URL>"')}


class ConfigError(Exception):
    """A problem with lms.toml or the credentials, said in one line."""


@dataclass(frozen=True)
class Target:
    """Where one course assignment goes: its Canvas assignment and its LTI line item."""
    assignment: str
    canvas_id: str | None = None
    canvas_name: str | None = None
    lineitem: str | None = None


@dataclass(frozen=True)
class LtiSettings:
    """The tool's registration on the platform (the LTI 1.3 developer key).

    Attributes:
        client_id: the developer key's client id (the JWT's iss and sub).
        token_url: the platform's OAuth 2 token endpoint.
        audience: the JWT's aud (the token URL unless the platform says otherwise).
        key_id: the kid of the tool's public key in the JWKS registered with it.
        user_ids: "students" (each student's `lti` id in [students]) or "nbgrader"
            (nbgrader's ids are the platform's user ids).
    """
    client_id: str
    token_url: str
    audience: str
    key_id: str
    user_ids: str = "students"


@dataclass(frozen=True)
class LmsConfig:
    """lms.toml, read and checked.

    Attributes:
        path: the file it was read from.
        targets: {assignment: Target}, in the file's order.
        canvas_match: the roster column that holds a student's Canvas key.
        canvas_keys: {nbgrader id: value of that column} where it is not the id itself.
        lti_users: {nbgrader id: the platform's user id}.
        lti: the registration, None without an [lti] section.
        ledger: the file recording what was sent to the platform.
    """
    path: Path
    targets: dict
    canvas_match: str = "SIS Login ID"
    canvas_keys: dict = field(default_factory=dict)
    lti_users: dict = field(default_factory=dict)
    lti: LtiSettings | None = None
    ledger: Path = Path(DEFAULT_LEDGER)

    def canvas_key(self, student):
        """The value of the roster's match column that stands for nbgrader's `student`."""
        return self.canvas_keys.get(student, student)

    def require(self, assignments, attribute):
        """The Targets of `assignments`, each with `attribute` ("canvas_id" or "lineitem").

        Raises:
            ConfigError: naming the assignments the config gives no such value.
        """
        missing = [a for a in assignments if not getattr(self.targets.get(a), attribute, None)]
        if missing:
            what, line = TARGET_KEYS[attribute]
            raise ConfigError(f"no {what} for {', '.join(missing)} in {self.path}: add "
                              f"[assignments.<id>] {line}")
        return [self.targets[a] for a in assignments]

    def lti_user(self, student):
        """The platform's user id of `student`, or None when the config does not say."""
        if student in self.lti_users:
            return self.lti_users[student]
        if self.lti is not None and self.lti.user_ids == "nbgrader":
            return student
        return None


def _text(table, key, where, required=False):
    """table[key] as a string (TOML integers allowed), None if absent and not required."""
    value = table.get(key)
    if value is None:
        if required:
            raise ConfigError(f"{where}: missing {key} = ...")
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ConfigError(f"{where}: {key} should be a string, got {value!r}")
    return str(value)


def _tables(data, name):
    """The sub-tables of section `name` ({key: table}), each checked to be a table."""
    section = data.get(name, {})
    if not isinstance(section, dict) or not all(isinstance(t, dict) for t in section.values()):
        raise ConfigError(f"[{name}] should hold one table per entry, like [{name}.ID]")
    return section


def parse_lti(table, where="[lti]"):
    """LtiSettings from the [lti] table."""
    token_url = _text(table, "token_url", where, required=True)
    user_ids = _text(table, "user_ids", where) or "students"
    if user_ids not in USER_ID_SOURCES:
        raise ConfigError(f"{where}: user_ids should be one of {USER_ID_SOURCES}, "
                          f"got {user_ids!r}")
    return LtiSettings(client_id=_text(table, "client_id", where, required=True),
                       token_url=token_url, audience=_text(table, "audience", where) or token_url,
                       key_id=_text(table, "key_id", where, required=True), user_ids=user_ids)


def parse_config(data, path, root):
    """LmsConfig from lms.toml's parsed contents.

    Args:
        data: the TOML document as a dict.
        path: the file it came from (for messages).
        root: the course root; a relative ledger path is taken from it.
    Raises:
        ConfigError: an unknown section, a missing or mistyped value.
    """
    unknown = set(data) - SECTIONS
    if unknown:
        raise ConfigError(f"{path}: unknown section(s) {sorted(unknown)} "
                          f"(known: {sorted(SECTIONS)})")
    canvas = data.get("canvas", {})
    match = _text(canvas, "match", "[canvas]") or "SIS Login ID"
    if match not in CANVAS_MATCH_COLUMNS:
        raise ConfigError(f"[canvas] match should be one of {CANVAS_MATCH_COLUMNS}, got {match!r}")
    targets = {name: Target(name, _text(t, "canvas", f"[assignments.{name}]"),
                            _text(t, "name", f"[assignments.{name}]"),
                            _text(t, "lineitem", f"[assignments.{name}]"))
               for name, t in _tables(data, "assignments").items()}
    students = _tables(data, "students")
    lti = data.get("lti")
    ledger = Path(_text(lti or {}, "ledger", "[lti]") or DEFAULT_LEDGER)
    return LmsConfig(
        path=Path(path), targets=targets, canvas_match=match,
        canvas_keys={s: _text(t, "canvas", f"[students.{s}]") for s, t in students.items()
                     if "canvas" in t},
        lti_users={s: _text(t, "lti", f"[students.{s}]") for s, t in students.items()
                   if "lti" in t},
        lti=parse_lti(lti) if lti is not None else None,
        ledger=ledger if ledger.is_absolute() else Path(root) / ledger)


def load_config(path, root):
    """LmsConfig read from the TOML file `path` (ConfigError if missing or invalid)."""
    try:
        data = tomllib.loads(Path(path).read_text())
    except OSError as error:
        raise ConfigError(f"cannot read the LMS config {path}: {error.strerror}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from None
    return parse_config(data, path, root)


def repository_of(root):
    """The git work tree that holds the course root, else the course root itself."""
    root = Path(root).resolve()
    for folder in (root, *root.parents):
        if (folder / ".git").exists():
            return folder
    return root


def credentials_path(option, environ=os.environ):
    """The credentials file named by --credentials, else by $AUTOGRADER_LMS_CREDENTIALS."""
    path = option or environ.get(CREDENTIALS_ENV)
    if not path:
        raise ConfigError(f"no credentials file: pass --credentials PATH or set "
                          f"{CREDENTIALS_ENV} (the tool's private key, outside the repository)")
    return Path(path).expanduser()


def check_credentials_path(path, root):
    """The resolved credentials path, refused inside the repository or readable by others.

    Raises:
        ConfigError: the file is missing, lies inside the repository that holds
            the course root, or its group or others may read it.
    """
    resolved = Path(path).resolve()
    repository = repository_of(root)
    if resolved.is_relative_to(repository):
        raise ConfigError(f"refusing credentials inside the repository ({resolved} is in "
                          f"{repository}): move the file outside it")
    try:
        mode = resolved.stat().st_mode
    except OSError as error:
        raise ConfigError(f"cannot read the credentials file {resolved}: {error.strerror}") \
            from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"the credentials file {resolved} is open to other users: "
                          f"chmod 600 {resolved}")
    return resolved


def load_private_key(path, root):
    """The tool's RSA private key from the credentials file (checked as above).

    Returns:
        a cryptography RSAPrivateKey.
    Raises:
        ConfigError: the file is refused, or is not an unencrypted RSA private key in PEM.
    """
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    resolved = check_credentials_path(path, root)
    try:
        key = load_pem_private_key(resolved.read_bytes(), password=None)
    except (ValueError, TypeError) as error:
        raise ConfigError(f"{resolved} is not an unencrypted PEM private key: {error}") from None
    if not isinstance(key, RSAPrivateKey):
        raise ConfigError(f"{resolved} holds a {type(key).__name__}; LTI 1.3 signs with RS256, "
                          f"which needs an RSA key")
    return key
