"""``qcode keys``: publish, rotate, countersign and revoke signing keys; allowed signers."""

from pathlib import Path
from typing import Annotated

import typer

from ._options import CoderOption, Format, FormatOption, ProjectOption, emit, info, project_from
from .root import app, new_app

keys_app = new_app("Signing keys: each coder signs her log's head with an Ed25519 key.")
app.add_typer(keys_app, name="keys")

FromOption = Annotated[Path | None, typer.Option(
    "--from", help="Publish this existing OpenSSH ed25519 key (its .pub, or the private key "
    "with a .pub beside it) instead of making a new one.", show_default=False)]
AsOption = Annotated[str | None, typer.Option(
    "--as", help="Who is acting: the project's lead (default: QCODE_CODER, else 'coder:' in "
    "your config).", show_default=False)]


def _standing(fingerprint: str, coder: str) -> str:
    return (f"It counts once audit/keys/{coder}.pub is committed to git, or once the lead "
            f"countersigns it (`qcode keys countersign {coder} --as LEAD`).")


@keys_app.command()
def init(*, coder: CoderOption = None, from_: FromOption = None,
         project: ProjectOption = None) -> None:
    """Make (or adopt with --from) your first signing key and publish it in audit/keys/."""
    from ..audit import unsigned_head
    from ..audit.keyops import init_key
    from ..project import resolve_coder

    name = resolve_coder(coder)
    proj = project_from(project)
    done = init_key(proj, name, from_)
    if done.private_file is not None:
        info(f"Made {done.private_file} (keep it private; back it up).")
    info(f"Published {done.fingerprint} in audit/keys/{name}.pub. "
         + _standing(done.fingerprint, name))
    if unsigned_head(proj, name):
        info(f"audit/{name}.log already has lines no signature covers: check them (`qcode "
             f"audit show --coder {name}`), then sign them once with `qcode audit sign "
             f"--coder {name}`; until then qcode will not write to your log.")


@keys_app.command()
def rotate(*, coder: CoderOption = None, from_: FromOption = None,
           project: ProjectOption = None) -> None:
    """Replace your key: the old key signs a line in your log naming the new one."""
    from ..audit.keyops import rotate_key
    from ..project import resolve_coder

    name = resolve_coder(coder)
    done = rotate_key(project_from(project), name, from_)
    info(f"audit/{name}.log: {done.fingerprint} replaces your earlier key (line "
         f"{done.events[0].seq}, signed by the earlier key); added to audit/keys/{name}.pub.")


@keys_app.command()
def countersign(coder_name: Annotated[str, typer.Argument(
        metavar="CODER", help="Whose newest published key to vouch for.")], *,
        as_: AsOption = None, project: ProjectOption = None) -> None:
    """The lead vouches for a coder's first key (a signed line in project.log)."""
    from ..audit.keyops import countersign as do_countersign
    from ..project import resolve_coder

    lead = resolve_coder(as_, flag="--as")
    done = do_countersign(project_from(project), lead, coder_name)
    info(f"project.log line {done.events[0].seq}: {lead} countersigned {coder_name}'s key "
         f"{done.fingerprint}.")


@keys_app.command()
def revoke(coder_name: Annotated[str, typer.Argument(
        metavar="CODER", help="Whose newest key to revoke.")], *,
        reason: Annotated[str, typer.Option("--reason", help="Why (lost, stolen...).")],
        new: Annotated[Path | None, typer.Option(
            "--new", help="The coder's replacement public key (.pub).")] = None,
        as_: AsOption = None, project: ProjectOption = None) -> None:
    """The lead revokes a lost or stolen key and may give the coder a new one."""
    from ..audit.keyops import revoke as do_revoke
    from ..project import resolve_coder

    lead = resolve_coder(as_, flag="--as")
    done = do_revoke(project_from(project), lead, coder_name, reason, new)
    info(f"project.log line {done.events[0].seq}: {coder_name}'s key {done.fingerprint} is "
         "revoked from now on" + (" and the new key is published." if new else "."))


@keys_app.command("list")
def list_keys(*, format: FormatOption = Format.table,  # noqa: A002
              project: ProjectOption = None) -> None:
    """Every published key, per coder, oldest first."""
    from ..audit.keys import coders_with_keys, published

    proj = project_from(project)
    records = [{"coder": coder, "key": key.fingerprint, "comment": key.comment}
               for coder in coders_with_keys(proj.audit_dir)
               for key in published(proj.audit_dir, coder)]
    emit(records, ["coder", "key", "comment"], format, title="Signing keys")


@keys_app.command("allowed-signers")
def allowed_signers(*, output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write to this file instead of stdout.")] = None,
        project: ProjectOption = None) -> None:
    """Print git's allowed_signers lines (namespace qcode) for `ssh-keygen -Y verify`."""
    from ..audit.keys import allowed_signers as text_of

    text = text_of(project_from(project).audit_dir)
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    info(f"Wrote {text.count(chr(10))} key(s) to {output}.")
