"""Which files of a table folder are read, in which format, how they are decoded, and where temporary copies go.

One function, `table_folder`, decides for ingestion and for the landing sensor (orchestration/lib/landing.py)
alike which files of `landing/<table>/` are read. Every file of the folder is either read or listed as skipped
with its reason (ingestion writes the list to raw.skipped_files and warns):

- read: `*.csv`, `*.csv.gz` and `*.csv.gzip` (gzip-compressed CSV), `*.parquet`, `*.pq` (any letter case),
  directly in the table's folder;
- skipped, "in a subfolder: not read (archive copies)": every file in any subfolder (`transactions/archive/`,
  `transactions/2025/`, ...). A subfolder usually holds older copies of files already delivered; reading them
  could let an older copy win (the first occurrence of a key is kept), so nothing below the table's folder is
  read: deliver every file to read into the table's folder itself;
- skipped, "hidden file (its name starts with a dot)": `.DS_Store`, macOS `._x.csv` companions, editors' swap
  files;
- skipped, "Office lock file (~$...)": `~$x.csv`, which Excel leaves while the file is open;
- skipped, "not a CSV or Parquet file": anything else, `.tsv` and `.txt` included (their delimiter and layout
  are not the contract's; convert them to CSV);
- `_format.json`: the table's format settings, read as settings and listed with reason "format settings
  (read as the table's settings, not as rows)".

The format settings, `landing/<table>/_format.json`, are for a bank whose files differ from the contract's
default (UTF-8, a dot for decimals). Both keys are optional; any other key is an error:

    {"decimal": ",", "encoding": "gbk"}

- "decimal": "." (default: 1,234.50) or "," (1.234,50 reads 1234.50; thousands dots in groups of three);
- "encoding": any encoding Python knows (gbk, gb18030, cp1252, latin-1, utf-8, ...). gbk, gb2312 and cp936
  are read as GB18030, their superset. Without it a CSV is UTF-8 (a byte-order mark is allowed); a file that
  is not valid UTF-8 is read as GB18030 (Chinese Windows tools write GBK) with a warning, unless that
  decoding is implausible: when more than a quarter (IMPLAUSIBLE_SHARE) of the non-ASCII characters it gives
  are outside GB2312 (the common Chinese characters and CJK punctuation), the file is most likely
  Windows-1252 / Latin-1 text whose bytes happen to decode as rare Chinese characters, and the load stops
  with an error naming the file and asking for its encoding in `_format.json`.
A change of `_format.json` loads the table again in full.

Decoded copies (a CSV that is not UTF-8 becomes a UTF-8 copy DuckDB reads) hold personal data: they are
written under `<warehouse folder>/.branch-retention-tmp/<pid>/`, never to the system's temporary folder
(an in-memory warehouse has no folder: the system's temporary folder then), removed at the end of each
table's load even when it fails, and folders of processes that no longer run (a killed run) are removed
when the next load starts.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import gzip
import json
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path


class IngestionError(Exception):
    """The extract cannot be loaded at all (unreadable file, missing column, missing table)."""


FORMAT_FILE = "_format.json"
# suffix (lower case) -> kind of file read
READ_SUFFIXES = {".csv": "csv", ".csv.gz": "csv", ".csv.gzip": "csv", ".parquet": "parquet", ".pq": "parquet"}
COMPRESSED_SUFFIXES = (".csv.gz", ".csv.gzip")
SKIP_SUBFOLDER = "in a subfolder: not read (archive copies)"
SKIP_HIDDEN = "hidden file (its name starts with a dot)"
SKIP_LOCK = "Office lock file (~$...)"
SKIP_OTHER = "not a CSV or Parquet file"
SKIP_SETTINGS = "format settings (read as the table's settings, not as rows)"
# Encodings read as GB18030, the superset of the Chinese national encodings.
GB_FAMILY = {"gbk", "gb2312", "cp936", "gb18030", "euc-cn", "ms936"}
UTF8_FAMILY = {"utf-8", "utf-8-sig"}
# An undeclared non-UTF-8 file whose GB18030 decoding gives more than this share of non-ASCII characters
# outside GB2312 is not Chinese text: the load stops and asks for the encoding.
IMPLAUSIBLE_SHARE = 0.25
TMP_DIRNAME = ".branch-retention-tmp"
_CHUNK = 1 << 22


@dataclass(frozen=True)
class FileFormat:
    """A table's format settings (landing/<table>/_format.json)."""

    decimal: str = "."
    encoding: str | None = None  # None: UTF-8, else the GB18030 fallback

    def canonical(self) -> str:
        """The settings as the load audit records them (a change loads the table in full)."""
        settings = {"decimal": self.decimal}
        if self.encoding:
            settings["encoding"] = self.encoding
        return json.dumps(settings, sort_keys=True)


@dataclass
class TableFolder:
    """What a table folder holds: the files read, the files skipped with their reason, the format settings."""

    read: list[Path]
    skipped: list[tuple[Path, str]]
    format_file: Path | None


def file_kind(path: Path) -> str | None:
    """"csv" or "parquet" for a file ingestion reads by its name, else None."""
    name = path.name.lower()
    return next((kind for suffix, kind in READ_SUFFIXES.items() if name.endswith(suffix)), None)


def is_compressed(path: Path) -> bool:
    return path.name.lower().endswith(COMPRESSED_SUFFIXES)


def skip_reason(folder: Path, path: Path) -> str | None:
    """Why a file of a table folder is not read as rows (None: it is read). The one rule, see the docstring."""
    if len(path.relative_to(folder).parts) > 1:
        return SKIP_SUBFOLDER
    if path.name == FORMAT_FILE:
        return SKIP_SETTINGS
    if path.name.startswith("~$"):
        return SKIP_LOCK
    if path.name.startswith("."):
        return SKIP_HIDDEN
    if file_kind(path) is None:
        return SKIP_OTHER
    return None


def table_folder(landing: Path, table: str) -> TableFolder:
    """The files of landing/<table>/ read and skipped, sorted by path (the order files are read in)."""
    folder = landing / table
    if not folder.is_dir():
        return TableFolder([], [], None)
    read, skipped = [], []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        reason = skip_reason(folder, path)
        if reason is None:
            read.append(path)
        else:
            skipped.append((path, reason))
    settings = folder / FORMAT_FILE
    return TableFolder(read, skipped, settings if settings.is_file() else None)


def read_format(landing: Path, table: str) -> FileFormat:
    """The table's format settings; the defaults when it has no _format.json. A bad file is an error."""
    path = landing / table / FORMAT_FILE
    label = f"{table}/{FORMAT_FILE}"
    if not path.is_file():
        return FileFormat()
    try:
        settings = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise IngestionError(f"{label}: not a readable JSON object ({type(exc).__name__})") from None
    if not isinstance(settings, dict):
        raise IngestionError(f"{label}: must be a JSON object such as {{\"decimal\": \",\", \"encoding\": \"gbk\"}}")
    unknown = sorted(set(settings) - {"decimal", "encoding"})
    if unknown:
        raise IngestionError(f"{label}: unknown setting(s) {', '.join(map(repr, unknown))}: only decimal and encoding")
    decimal = settings.get("decimal", ".")
    if decimal not in (".", ","):
        raise IngestionError(f"{label}: decimal must be \".\" or \",\"")
    encoding = settings.get("encoding")
    if encoding is not None:
        try:
            encoding = codecs.lookup(str(encoding)).name
        except LookupError:
            raise IngestionError(f"{label}: unknown encoding {str(encoding)[:40]!r}") from None
        encoding = "gb18030" if encoding in GB_FAMILY else encoding
    return FileFormat(decimal, encoding)


# ---------------------------------------------------------------- decoding

def open_bytes(path: Path):
    """The file's bytes, decompressed for a .csv.gz / .csv.gzip."""
    return gzip.open(path, "rb") if is_compressed(path) else path.open("rb")


def _chunks(path: Path, label: str) -> Iterator[bytes]:
    try:
        with open_bytes(path) as fh:
            while chunk := fh.read(_CHUNK):
                yield chunk
    except (gzip.BadGzipFile, EOFError):
        raise IngestionError(f"{label}: not a readable gzip file") from None


def is_utf8(path: Path, label: str, stop: threading.Event | None = None) -> tuple[bool, int]:
    """(whether the file is valid UTF-8, the byte offset of the first invalid byte). `stop`: give up when set
    (the answer is then of no use)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    for chunk in _chunks(path, label):
        if stop is not None and stop.is_set():
            return False, -1
        try:
            decoder.decode(chunk)
        except UnicodeDecodeError as exc:
            return False, offset + exc.start
        offset += len(chunk)
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False, offset
    return True, -1


class Utf8Checks:
    """The UTF-8 check of the CSVs a load reads as UTF-8, run in a background thread while DuckDB reads them
    (DuckDB's CSV reader takes most bytes that are not UTF-8 without a word, so the check stays, but it costs
    no time of its own). The load asks all_valid() before it commits, and after any error; when a file is not
    UTF-8 the load starts again reading every file as prepare_csv says, so the result is what checking each
    file first gives: the same rows, the same GBK/GB18030 reading, warnings and errors."""

    def __init__(self, files: list[tuple[Path, str]]):
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="utf8-check")
        self._futures = {path: self._pool.submit(is_utf8, path, label, self._stop) for path, label in files}

    def __contains__(self, path: Path) -> bool:
        return path in self._futures

    def all_valid(self) -> bool:
        """Whether every file is valid UTF-8 (and readable); waits for the checks."""
        for future in self._futures.values():
            try:
                if not future.result()[0]:
                    return False
            except Exception:  # noqa: BLE001 - an unreadable file: the load reads it again the checked way
                return False
        return True

    def close(self) -> None:
        self._stop.set()
        self._pool.shutdown(wait=True, cancel_futures=True)


def reads_as_utf8(path: Path, fmt: FileFormat) -> bool:
    """Whether a file is a CSV read as UTF-8 (no encoding declared, or UTF-8 declared)."""
    return file_kind(path) == "csv" and (fmt.encoding is None or fmt.encoding in UTF8_FAMILY)


_NON_ASCII = re.compile(r"[\x00-\x7f]+")


def _common_chinese(ch: str) -> bool:
    try:
        ch.encode("gb2312")
        return True
    except UnicodeEncodeError:
        return False


def decoded_copy(path: Path, label: str, encoding: str, workdir: Path, check_plausible: bool) -> tuple[Path, float]:
    """A UTF-8 copy of a CSV in `encoding`, in workdir; with check_plausible, the share of the decoded non-ASCII
    characters outside GB2312 (0 when not checked). A byte the encoding cannot decode is an error naming the
    file and the byte offset (never the text around it)."""
    target = workdir / f"{len(list(workdir.iterdir()))}-{path.name}.utf8.csv"
    decoder = codecs.getincrementaldecoder(encoding)()
    offset, total, rare, known = 0, 0, 0, {}
    def chunks() -> Iterator[bytes]:
        yield from _chunks(path, label)
        yield b""  # the end: the decoder's final call

    with target.open("w", encoding="utf-8", newline="") as dst:
        for chunk in chunks():
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                raise _decode_error(label, encoding, offset + exc.start) from None
            offset += len(chunk)
            if check_plausible and text:
                other = _NON_ASCII.sub("", text)
                total += len(other)
                for ch in set(other):
                    if ch not in known:
                        known[ch] = _common_chinese(ch)
                    if not known[ch]:
                        rare += other.count(ch)
            dst.write(text)
    return target, (rare / total if total else 0.0)


def _decode_error(label: str, encoding: str, offset: int) -> IngestionError:
    return IngestionError(f"{label}: not readable as {encoding} text (byte offset {offset})")


def prepare_csv(path: Path, label: str, table: str, fmt: FileFormat, workdir: Path,
                warnings: list[str] | None = None) -> Path:
    """The path DuckDB reads for a CSV: the file itself when it is UTF-8, else a decoded UTF-8 copy in workdir
    (see the module docstring for the encoding rule)."""
    settings = f"{table}/{FORMAT_FILE}"
    if fmt.encoding is None or fmt.encoding in UTF8_FAMILY:
        ok, offset = is_utf8(path, label)
        if ok:
            return path
        if fmt.encoding is not None:
            raise IngestionError(f"{label}: not valid UTF-8 (byte offset {offset}), the encoding {settings} declares")
    if fmt.encoding is not None:
        try:
            return decoded_copy(path, label, fmt.encoding, workdir, check_plausible=False)[0]
        except IngestionError as exc:
            raise IngestionError(f"{exc}, the encoding {settings} declares") from None
    try:
        copy, rare_share = decoded_copy(path, label, "gb18030", workdir, check_plausible=True)
    except IngestionError:
        raise IngestionError(
            f"{label}: not readable as UTF-8 or GBK/GB18030 text (byte offset {offset} is not UTF-8); "
            f"set its encoding in {settings}, e.g. {{\"encoding\": \"cp1252\"}}") from None
    if rare_share > IMPLAUSIBLE_SHARE:
        copy.unlink(missing_ok=True)
        raise IngestionError(
            f"{label}: not UTF-8, and read as GBK/GB18030 {rare_share:.0%} of its non-ASCII characters are not "
            f"common Chinese characters: most likely another encoding (Windows-1252, Latin-1?); set its "
            f"encoding in {settings}, e.g. {{\"encoding\": \"cp1252\"}}")
    if warnings is not None:
        warnings.append(f"{label}: not UTF-8; read as GBK/GB18030")
    return copy


def first_line_over(path: Path, limit: int) -> int | None:
    """The number (1-based, the header is line 1) of the file's first physical line longer than `limit` bytes."""
    n = 0
    with open_bytes(path) as fh:
        while line := fh.readline(limit + 3):
            n += 1
            if len(line.rstrip(b"\r\n")) > limit:
                return n
    return None


# ---------------------------------------------------------------- temporary files

def warehouse_folder(con) -> Path | None:
    """The folder of the DuckDB file the connection works in; None for an in-memory warehouse."""
    try:
        row = con.execute(
            "SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    except Exception:  # noqa: BLE001 - a connection that cannot say: no folder
        return None
    if not row or not row[0] or row[0] == ":memory:":
        return None
    return Path(row[0]).resolve().parent


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    except OSError as exc:
        return exc.errno != errno.ESRCH
    return True


def remove_stale(root: Path) -> list[Path]:
    """Remove the temporary folders of processes that no longer run (a killed load's leftovers)."""
    removed = []
    if not root.is_dir():
        return removed
    for child in root.iterdir():
        if child.name.isdigit() and not _running(int(child.name)):
            shutil.rmtree(child, ignore_errors=True)
            removed.append(child)
    return removed


@contextlib.contextmanager
def temp_workdir(base: Path | None) -> Iterator[Path]:
    """A private temporary folder for one load under <base>/.branch-retention-tmp/<pid>/ (the system's temporary
    folder when base is None), removed on exit even on error; leftovers of dead processes removed on entry."""
    if base is None:
        with tempfile.TemporaryDirectory(prefix="branch-retention-") as tmp:
            yield Path(tmp)
        return
    root = base / TMP_DIRNAME
    remove_stale(root)
    own = root / str(os.getpid())
    own.mkdir(parents=True, exist_ok=True, mode=0o700)
    work = Path(tempfile.mkdtemp(dir=own))
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)
        for folder in (own, root):
            try:
                folder.rmdir()  # only when empty: another load of this process may still use it
            except OSError:
                break
