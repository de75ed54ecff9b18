"""Find, create and describe a qcode project folder (DESIGN.md: "a folder of plain text")."""

from __future__ import annotations

import enum
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import yamlio
from .errors import ProjectError
from .ids import RESERVED_LOG_NAMES, check_coder_name

SETTINGS_FILE = "qcode.yaml"


class UnitKind(enum.StrEnum):
    """The kinds of unit a document is split into: the one definition that the project
    settings, stored documents and every command's ``--unit``/``--kind`` use."""

    sentence = "sentence"
    turn = "turn"
    paragraph = "paragraph"


UNIT_KINDS: tuple[str, ...] = tuple(kind.value for kind in UnitKind)
_SETTINGS_KEYS = ("id", "name", "language", "unit", "coders", "pipeline", "audit", "speakers")
_AUDIT_KEYS = ("require_signatures", "lead")


@dataclass(frozen=True, slots=True)
class Settings:
    """The contents of qcode.yaml. ``id`` is made once at init and never changes."""

    id: str
    name: str
    language: str = "en"
    unit: str = "sentence"
    coders: tuple[str, ...] = ()
    pipeline: str | None = None
    require_signatures: bool = False  # audit: {require_signatures: true}
    lead: str | None = None  # audit: {lead: NAME}: who countersigns keys and revokes them
    # Declared speaker labels and their roles ({"MODERATOR": "interviewer"}): each is a
    # turn label wherever it starts a line, even used once or alone on its line.
    speakers: dict[str, str] = field(default_factory=dict)

    def to_yaml(self) -> str:
        data: dict[str, object] = {
            "id": self.id,
            "name": self.name,
            "language": self.language,
            "unit": self.unit,
            "coders": list(self.coders),
            "pipeline": self.pipeline,
        }
        audit = {k: v for k, v in (("require_signatures", self.require_signatures),
                                   ("lead", self.lead)) if v}
        if audit:
            data["audit"] = audit
        if self.speakers:
            data["speakers"] = dict(self.speakers)
        return yamlio.dumps(data)


@dataclass(frozen=True, slots=True)
class Project:
    """An opened project folder; paths are derived, never stored."""

    root: Path
    settings: Settings = field(repr=False)

    @property
    def id(self) -> str:
        return self.settings.id

    @property
    def settings_path(self) -> Path:
        return self.root / SETTINGS_FILE

    @property
    def codebook_path(self) -> Path:
        return self.root / "codebook.yaml"

    @property
    def codebook_versions_dir(self) -> Path:
        """``codebook-versions/``: each codebook a migration put in force or replaced."""
        return self.root / "codebook-versions"

    @property
    def documents_dir(self) -> Path:
        return self.root / "documents"

    @property
    def audit_dir(self) -> Path:
        return self.root / "audit"

    @property
    def cache_dir(self) -> Path:
        return self.root / ".qcode"

    def log_path(self, name: str) -> Path:
        """``audit/<name>.log``: a coder's log, or ``project`` for project.log. The
        name is checked here, so no log path is made from a name that is not one."""
        if name not in RESERVED_LOG_NAMES:
            check_coder_name(name)
        return self.audit_dir / f"{name}.log"


def parse_settings(text: str, source: str) -> Settings:
    """Validate qcode.yaml: unknown keys and wrong types are errors with file:line."""
    data, marks = yamlio.load_with_marks(text, source)
    if not isinstance(data, dict):
        raise ProjectError(f"{source}: expected a mapping of settings; see `qcode init --help`.")

    def where(key: str) -> str:
        line, col = marks.get((key,), (1, 1))
        return f"{source}:{line}:{col}"

    for key in data:
        if key not in _SETTINGS_KEYS:
            raise ProjectError(
                f"{where(key)}: unknown setting {key!r}; known: {', '.join(_SETTINGS_KEYS)}."
            )
    if not isinstance(data.get("id"), str) or not data["id"]:
        raise ProjectError(f"{source}: missing project 'id'; restore it from git history.")
    unit = data.get("unit", "sentence")
    if unit not in UNIT_KINDS:
        raise ProjectError(f"{where('unit')}: unit {unit!r} must be one of {', '.join(UNIT_KINDS)}.")
    coders = data.get("coders") or []
    if not isinstance(coders, list) or not all(isinstance(c, str) for c in coders):
        raise ProjectError(f"{where('coders')}: 'coders' must be a list of names.")
    language = data.get("language", "en")
    if not isinstance(language, str) or not language:
        raise ProjectError(f"{where('language')}: 'language' must be a code such as en or nb.")
    pipeline = data.get("pipeline")
    if pipeline is not None and not isinstance(pipeline, str):
        raise ProjectError(f"{where('pipeline')}: 'pipeline' must be a spaCy package name or null.")
    speakers = data.get("speakers") or {}
    if not isinstance(speakers, dict) or not all(
            isinstance(k, str) and k.strip() and isinstance(v, str) and v.strip()
            for k, v in speakers.items()):
        raise ProjectError(f"{where('speakers')}: 'speakers' must map each speaker label to a "
                           "role, e.g. {MODERATOR: interviewer, P1: respondent}.")
    require, lead = _audit_settings(data.get("audit"), where)
    return Settings(
        require_signatures=require,
        lead=lead,
        id=data["id"],
        name=str(data.get("name") or ""),
        language=language,
        unit=unit,
        coders=tuple(coders),
        pipeline=pipeline,
        speakers={k.strip(): v.strip() for k, v in speakers.items()},
    )


def _audit_settings(audit: object, where: Callable[[str], str]) -> tuple[bool, str | None]:
    """``audit: {require_signatures: true, lead: NAME}`` (both optional)."""
    if audit is None:
        return False, None
    if not isinstance(audit, dict) or any(k not in _AUDIT_KEYS for k in audit):
        raise ProjectError(f"{where('audit')}: 'audit' must be a mapping with "
                           f"{' and/or '.join(_AUDIT_KEYS)}.")
    require = audit.get("require_signatures", False)
    if not isinstance(require, bool):
        raise ProjectError(f"{where('audit')}: 'require_signatures' must be true or false.")
    lead = audit.get("lead")
    if lead is not None:
        if not isinstance(lead, str):
            raise ProjectError(f"{where('audit')}: 'lead' must be a coder name.")
        check_coder_name(lead)
    return require, lead


def open_project(root: Path) -> Project:
    """Open the project whose qcode.yaml is in ``root``."""
    path = root / SETTINGS_FILE
    if not path.is_file():
        raise ProjectError(
            f"{root}: not a qcode project (no {SETTINGS_FILE}); run `qcode init {root}` first."
        )
    return Project(root=root.resolve(), settings=parse_settings(yamlio.read_text(path), str(path)))


def find_project(explicit: str | os.PathLike[str] | None = None, cwd: Path | None = None) -> Project:
    """The project named by ``--project``, else ``QCODE_PROJECT``, else the nearest
    folder from the current one upwards that holds a qcode.yaml."""
    chosen = explicit if explicit is not None else os.environ.get("QCODE_PROJECT") or None
    if chosen is not None:
        root = Path(chosen).expanduser()
        if not root.exists():
            raise ProjectError(
                f"{root}: project folder does not exist; check --project or QCODE_PROJECT."
            )
        return open_project(root)
    here = (cwd or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / SETTINGS_FILE).is_file():
            return open_project(folder)
    raise ProjectError(
        f"No qcode project in {here} or above; run `qcode init DIR`, or pass --project DIR."
    )


def check_new_project_folder(root: Path, *, force: bool = False) -> None:
    """Refuse what ``init_project`` would refuse: a file, a non-empty folder (unless
    ``force``), or a project already."""
    if root.exists() and not root.is_dir():
        raise ProjectError(f"{root}: exists and is not a folder; choose another path.")
    if root.is_dir() and any(root.iterdir()) and not force:
        raise ProjectError(
            f"{root}: folder is not empty; choose an empty folder or pass --force."
        )
    if (root / SETTINGS_FILE).is_file():
        raise ProjectError(
            f"{root}: already a qcode project; its id is kept forever, so init will not replace it."
        )


def init_project(
    root: Path,
    *,
    name: str | None = None,
    language: str = "en",
    unit: str = "sentence",
    coders: tuple[str, ...] = (),
    force: bool = False,
    codebook_text: str | None = None,
) -> Project:
    """Create the project folder layout; refuse a non-empty folder unless ``force``."""
    if unit not in UNIT_KINDS:
        raise ProjectError(f"Unit {unit!r} must be one of {', '.join(UNIT_KINDS)}.")
    for coder in coders:
        check_coder_name(coder)
    check_new_project_folder(root, force=force)
    root.mkdir(parents=True, exist_ok=True)
    for sub in ("documents", "audit"):
        (root / sub).mkdir(exist_ok=True)
    settings = Settings(
        id=uuid.uuid4().hex,
        name=name or root.resolve().name,
        language=language,
        unit=unit,
        coders=tuple(coders),
    )
    (root / SETTINGS_FILE).write_text(settings.to_yaml(), encoding="utf-8")
    if codebook_text is None:
        codebook_text = "version: 1\ncodes: []\n"
    (root / "codebook.yaml").write_text(codebook_text, encoding="utf-8")
    (root / ".gitignore").write_text(".qcode/\n", encoding="utf-8")
    return open_project(root)


def user_config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "qcode" / "config.yaml"


def resolve_coder(explicit: str | None = None, *, flag: str = "--coder") -> str:
    """Who is coding: ``--coder``, then ``QCODE_CODER``, then the user's own config
    file. Never the shared qcode.yaml (DESIGN.md). ``flag`` is the option that
    names the person in the command at hand (``--as`` where someone acts)."""
    name = explicit or os.environ.get("QCODE_CODER")
    if not name:
        path = user_config_path()
        if path.is_file():
            data = yamlio.loads(yamlio.read_text(path), str(path))
            if isinstance(data, dict) and isinstance(data.get("coder"), str):
                name = data["coder"]
    if not name:
        raise ProjectError(
            f"Who is coding? Pass {flag} NAME, set QCODE_CODER, or put 'coder: NAME' in "
            "your config file (~/.config/qcode/config.yaml)."
        )
    return check_coder_name(name)
