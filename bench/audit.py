"""Audit log throughput, each figure next to a floor measured in the same run.

Run: python bench/audit.py [--lines 1000000] [--appends 2000] [--rows 20000]

1. Generates one log of --lines lines (a realistic mix of apply, remove, memo, void,
   accept and reject), written in batches of 50,000 lines with one fsync per batch.
2. The floor: read the file line by line, ``json.loads`` every line and compute one
   sha256 per line. Then ``qcode.audit.verify`` (canonical bytes, key order, types,
   sequence, chain) and ``qcode.codings.replay_dir`` (the live codings, memos and
   decisions) on the same file. Each runs in a fresh process: lines/s and peak RSS.
   Target: verify and replay within 3x of the floor's time. The ratio uses CPU time,
   which other load on the machine disturbs less than wall time; lines/s is wall time.
3. Appends/s: one event per locked append with an fsync each (the library's
   ``append``; and the whole ``qcode apply`` path, which also loads the document and
   codebook and replays the coder's log), against ``apply --from`` with --rows rows
   in one locked append.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

PROJECT_ID = "b3c4d5e6f708192a3b4c5d6e7f809102"
CODES = ("coordination", "autonomy", "collaboration", "professionalism", "competency",
         "time-resources", "service-users", "leadership", "tasks", "personnel")


def events(start: int, count: int) -> list[dict]:
    """A deterministic mix of events for log lines ``start+1 .. start+count``."""
    out = []
    for seq in range(start + 1, start + count + 1):
        k = seq % 20
        a = (seq * 7919) % 60000
        base = {"actor": "anna", "doc": f"interview-{seq % 40:04d}", "docv": f"{seq % 40:012x}",
                "span": f"{a}:{a + 40 + seq % 200}", "code": CODES[seq % len(CODES)],
                "codebook": 1, "quote": "the list was long and time was short so we shared "
                "keys and changed the plan after the meeting", "fp": f"{seq:012x}"[-12:],
                "source": "manual"}
        if k in (3, 13):
            out.append({**base, "action": "memo", "ref": f"anna:{seq - 1}",
                        "memo": "Coordination falls to whoever is there first."})
        elif k == 7:
            out.append({**base, "action": "remove", "ref": f"anna:{seq - 2}"})
        elif k == 11:
            out.append({"actor": "anna", "action": "void", "ref": f"anna:{seq - 1}"})
        elif k in (5, 17):
            out.append({**base, "action": "accept" if k == 5 else "reject",
                        "source": "suggest:rules.v1", "score": 0.75,
                        "data": {"reason": "keyword 'list'"}})
        else:
            out.append({**base, "action": "apply"})
    return out


def generate(audit: Path, lines: int, *, version: int = 1, every: int = 0,
             signer: object = None) -> Path:
    """A log of ``lines`` event lines in format ``version``; with ``every``, a sign line
    after each ``every`` events (one command's worth), as qcode writes them."""
    from qcode.audit.line import genesis, seal_line
    from qcode.audit.signing import sign_fields

    path = audit / "anna.log"
    audit.mkdir(parents=True, exist_ok=True)
    prev, seq, pending = genesis(PROJECT_ID, "anna"), 0, []
    time_ = "2025-03-01T09:00:00.000Z"
    with open(path, "w", encoding="utf-8") as out:
        for start in range(0, lines, 50_000):
            for n, fields in enumerate(events(start, min(50_000, lines - start)), start=1):
                seq += 1
                event, line = seal_line({**fields, "seq": seq, "time": time_}, prev,
                                        version=version)
                pending.append(line)
                prev = event.hash
                if every and (start + n) % every == 0:
                    seq += 1
                    sign = sign_fields(signer, PROJECT_ID, "anna", "anna", event.seq, event.hash)
                    event, line = seal_line({**sign, "seq": seq, "time": time_}, prev)
                    pending.append(line)
                    prev = event.hash
            out.write("\n".join(pending) + "\n")
            pending = []
    return path


FLOOR = """
import hashlib, json
with open(PATH, "rb") as fh:
    for raw in fh:
        json.loads(raw)
        hashlib.sha256(raw).digest()
"""
VERIFY = """
from qcode.audit import verify
report = verify(AUDIT, PROJECT_ID)
assert report.ok, report.problems
"""
SHA_FLOOR = """
import hashlib
with open(PATH, "rb") as fh:
    for raw in fh:
        hashlib.sha256(raw).digest()
"""
SIGNED_VERIFY = """
from functools import partial
from qcode.audit import verify
from qcode.audit.proof import signature_findings
from qcode.audit.sshsig import parse_public_key
key = parse_public_key(KEY)
judge = partial(signature_findings, audit_dir=AUDIT, project_id=PROJECT_ID,
                committed={"anna": {key.raw}})
report = verify(AUDIT, PROJECT_ID, signatures=judge)
assert report.ok, report.problems[:3]
"""
REPLAY = """
from qcode.codings import replay_dir
replayed = replay_dir(AUDIT)
assert len(replayed.codings) > 0
"""


def measure(body: str, path: Path, key: str = "") -> tuple[float, float]:
    """Wall and CPU seconds (imports excluded) and peak RSS in MB (VmHWM, which a new
    program does not inherit from this one) of ``body`` in a fresh process."""
    code = (f"import json, resource, sys, time\nsys.path.insert(0, {str(ROOT)!r})\n"
            "from pathlib import Path\nimport qcode.audit, qcode.codings\n"
            f"PATH = {str(path)!r}\nAUDIT = Path({str(path.parent)!r})\n"
            f"PROJECT_ID = {PROJECT_ID!r}\nKEY = {key!r}\nstarted = time.perf_counter()\n"
            f"cpu = time.process_time()\n{body}\n"
            "seconds = time.perf_counter() - started\ncpu = time.process_time() - cpu\n"
            "status = Path('/proc/self/status').read_text()\n"
            "hwm = [x for x in status.splitlines() if x.startswith('VmHWM:')]\n"
            "peak = int(hwm[0].split()[1]) / 1024 if hwm else "
            "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
            "print(json.dumps([seconds, cpu, peak]))\n")
    done = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                          text=True)
    return tuple(json.loads(done.stdout))


def best(body: str, path: Path, runs: int, key: str = "") -> tuple[float, float, float]:
    """The best wall and CPU seconds of ``runs`` runs, and the largest peak RSS."""
    results = [measure(body, path, key) for _ in range(runs)]
    return (min(r[0] for r in results), min(r[1] for r in results),
            max(r[2] for r in results))


def appends(root: Path, count: int, rows: int) -> dict[str, float]:
    """Events/s: append one by one (fsync each), apply one by one, apply --from."""
    from _corpus import transcript

    from qcode import coding
    from qcode.audit.log import append
    from qcode.corpus.ingest import ingest
    from qcode.project import init_project

    started = time.perf_counter()
    for event in events(0, count):
        append(root / "raw" / "anna.log", PROJECT_ID, [event])
    raw = count / (time.perf_counter() - started)

    import random

    codebook = "version: 1\ncodes:\n" + "".join(f"  - id: {c}\n    label: {c}\n" for c in CODES)
    project = init_project(root / "study", coders=("anna", "ben", "emil"), codebook_text=codebook)
    source = root / "interview-0000.txt"
    source.write_text(transcript(random.Random(3), 20_000), encoding="utf-8")
    ingest(project, [source])
    n = min(count, 300)
    import os

    from qcode.audit.keyops import init_key

    os.environ["XDG_CONFIG_HOME"] = str(root / "config")  # the bench's own key, not yours
    init_key(project, "ben")
    coding.apply(project, "interview-0000", CODES[0], span="0:1", coder="anna")  # warm up
    spent = {"anna": 0.0, "ben": 0.0}
    for i in range(n):  # unsigned (anna) and signed (ben) commands interleaved
        for coder in ("anna", "ben"):
            started = time.perf_counter()
            coding.apply(project, "interview-0000", CODES[i % 10],
                         span=f"{i * 3}:{i * 3 + 50}", coder=coder)
            spent[coder] += time.perf_counter() - started
    one_by_one, signed_one_by_one = n / spent["anna"], n / spent["ben"]
    added = signing_work(project, "ben")

    csv_path = root / "rows.csv"
    lines = ["doc,code,span"] + [f"interview-{0:04d},{CODES[i % 10]},{i}:{i + 60}"
                                 for i in range(rows)]
    csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    started = time.perf_counter()
    written = coding.apply_csv(project, "emil", csv_path).written
    batched = written / (time.perf_counter() - started)
    return {"raw": raw, "apply": one_by_one, "signed": signed_one_by_one, "from": batched,
            "rows": written, "added": added}


def signing_work(project: object, coder: str, rounds: int = 200) -> float:
    """Milliseconds of what signing adds to one command, measured alone: check that the
    head is signed, find the coder's key, sign the new head."""
    from qcode.audit.log import read_tail
    from qcode.audit.signing import sign_fields, signing_for

    path = project.log_path(coder)  # type: ignore[attr-defined]
    pid = project.id  # type: ignore[attr-defined]
    started = time.perf_counter()
    for _ in range(rounds):
        rules = signing_for(path.parent, pid)
        rules.check_head(coder, read_tail(path))
        signer = rules.signer_for(coder, {coder})
        sign_fields(signer, pid, coder, coder, 1, "0" * 64)
    return (time.perf_counter() - started) / rounds * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--appends", type=int, default=2000)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--quick", action="store_true",
                        help="a small size, run by the test suite so the benchmark cannot rot")
    args = parser.parse_args()
    if args.quick:
        args.lines, args.appends, args.rows, args.runs = 20_000, 50, 500, 1
    root = Path(tempfile.mkdtemp(prefix="qcode-bench-audit-"))
    started = time.perf_counter()
    path = generate(root / "audit", args.lines)
    size = path.stat().st_size
    print(f"log: {args.lines:,} lines, {size / 1e6:.0f} MB, generated in "
          f"{time.perf_counter() - started:.1f} s (format 1, unsigned, as before signed heads)")
    floor = best(FLOOR, path, args.runs)
    print(f"{'':38} {'lines/s':>10} {'CPU s':>7} {'peak RSS':>9}  time vs floor (CPU)")
    print(f"{'floor (read + json.loads + sha256)':38} {args.lines / floor[0]:>10,.0f} "
          f"{floor[1]:7.2f} {floor[2]:6.0f} MB")
    for name, body in (("qcode verify", VERIFY), ("qcode replay", REPLAY)):
        seconds, cpu, rss = best(body, path, args.runs)
        print(f"{name:38} {args.lines / seconds:>10,.0f} {cpu:7.2f} {rss:6.0f} MB  "
              f"{cpu / floor[1]:.2f}x (target <= 3x)")
    signed(root, args.lines, args.runs, floor)
    rates = appends(root, args.appends, args.rows)
    print(f"{'append, one event per fsync':38} {rates['raw']:>10,.0f} events/s")
    print(f"{'qcode apply, one event per command':38} {rates['apply']:>10,.0f} events/s")
    print(f"{'qcode apply, signed':38} {rates['signed']:>10,.0f} events/s (commands "
          "interleaved with the unsigned ones)")
    print(f"{'  of which head check + key + signature':38} {rates['added']:10.2f} ms per command")
    print(f"{'qcode apply --from, one fsync':38} {rates['from']:>10,.0f} events/s "
          f"({rates['rows']:,} rows; {rates['from'] / rates['raw']:.0f}x per-event appends)")


def signed(root: Path, lines: int, runs: int, floor: tuple[float, float, float]) -> None:
    """Verify of format-2 logs, unsigned and with signed heads (one per 100-line command,
    and one per line as the terminal view writes), next to format 1 and the floors."""
    from qcode.audit.keys import Signer
    from qcode.audit.sshsig import new_private_key, public_of, sign_with

    private, _ = new_private_key()
    key = public_of(private)
    signer = Signer(key, "bench", lambda message: sign_with(private, message))
    first = root / "audit" / "anna.log"
    sha = best(SHA_FLOOR, first, runs)
    v1 = best(VERIFY, first, runs)
    print(f"{'floor (read + sha256 only)':38} {lines / sha[0]:>10,.0f} {sha[1]:7.2f} "
          f"{sha[2]:6.0f} MB")
    print(f"{'verify, format 1 unsigned (before)':38} {lines / v1[0]:>10,.0f} {v1[1]:7.2f} "
          f"{v1[2]:6.0f} MB  {v1[1] / floor[1]:.2f}x floor")
    unsigned = 0.0  # CPU s of the unsigned format-2 verify: the like-for-like reference
    for label, version, every in (("verify, format 2 unsigned", 2, 0),
                                  ("verify, format 2, signed / 100 lines", 2, 100),
                                  ("verify, format 2, signed / line", 2, 1)):
        path = generate(root / f"v{version}-{every}", lines, version=version, every=every,
                        signer=signer)
        body = SIGNED_VERIFY if every else VERIFY
        seconds, cpu, rss = best(body, path, runs if every != 1 else 1, key.openssh)
        unsigned = unsigned or cpu
        target = " (target <= 1.5x)" if every == 100 else ""
        versus = f"{cpu / unsigned:.2f}x unsigned format 2{target}, " if every else ""
        print(f"{label:38} {lines / seconds:>10,.0f} {cpu:7.2f} {rss:6.0f} MB  "
              f"{versus}{cpu / v1[1]:.2f}x format-1 verify, {cpu / sha[1]:.1f}x sha256 floor")
        path.unlink()
    message = b"qcode-head-v1\n" + PROJECT_ID.encode() + b"\nanna\n1\n" + b"0" * 64 + b"\n"
    started = time.perf_counter()
    for _ in range(2000):
        signer.sign(message)
    per_call = (time.perf_counter() - started) / 2000 * 1000
    print(f"{'one head signature (file key)':38} {per_call:10.3f} ms per command")
    probe = (f"import sys; sys.path.insert(0, {str(ROOT)!r}); import qcode.cli; "
             "from qcode.codings import replay_dir; from pathlib import Path; "
             f"replay_dir(Path({str(first.parent)!r})); "
             "print(sorted(m for m in ('cryptography', 'paramiko') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    print(f"{'modules a replay (no write) loads':38} {loaded.stdout.strip() or loaded.stderr}")


if __name__ == "__main__":
    main()
