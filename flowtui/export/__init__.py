"""CSV exports (SPEC §8): the PowerBI PR set and the flow set, written atomically into a directory.

`export(store, settings, directory, what=...)` is the one entry point, used by `flowtui export` and
by the TUI's export action. Directory rules and atomicity: see `flowtui.export.atomic` — DIR is
created when missing (and removed again if the export then fails); a DIR holding only files flowtui
writes is overwritten; a DIR with foreign entries is refused (UsageError, exit 2) and an unwritable
one fails (ExportError, exit 1), with nothing half-written either way. The CSV dialect:
`flowtui.export.csvfmt`. Content rules: `flowtui.export.powerbi` and `flowtui.export.flowset`.

Everything is read and computed before the first byte is written, so a failing query or metric
never leaves temporaries behind. The same store, settings, filters and `as_of` give byte-identical
files. Spreadsheet safety (`flowtui.export.excel_safe`): flow-set text cells starting with `=`, `+`,
`-`, `@`, a tab or CR get a `'` prefixed; the PowerBI set only with `excel_safe=True`.

For Excel users (`flowtui export --excel` / `--xlsx`): `bom=True` starts each flow-set CSV with a
UTF-8 byte order mark, which Windows Excel needs to read UTF-8 (without it, `Zürich` opens as
`ZÃ¼rich`); the PowerBI set never gets one, its bytes stay those its dashboards read.
`workbook=True` also writes `flowtui.xlsx` (`flowtui.export.workbook`), one sheet per CSV file of
the export, in the same atomic swap as the CSV files.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from pathlib import Path
from typing import BinaryIO, TextIO

from flowtui.config import Settings
from flowtui.domain import ItemFilter
from flowtui.errors import UsageError
from flowtui.export import csvfmt
from flowtui.export.atomic import FileSpec, prepare_directory, write_files
from flowtui.export.excel_safe import safe_table
from flowtui.export.flowset import FLOW_FILES, FLOW_HEADERS, METRICS_JSON, FlowData, flow_data, flow_tables
from flowtui.reporting import MetricsReport
from flowtui.export.powerbi import POWERBI_FILES, POWERBI_HEADERS, Table, cycle_time_minutes, powerbi_tables
from flowtui.export.workbook import WORKBOOK_NAME, check_limits, require_xlsxwriter, write_workbook
from flowtui.metrics import FlowPolicy
from flowtui.store import Store
from flowtui.timeutil import to_utc, utc_now

WHAT_CHOICES = ("powerbi", "flow", "all")
ALL_FILES: tuple[str, ...] = POWERBI_FILES + FLOW_FILES
#: Every name flowtui writes into an export directory (the CSV/JSON files and the workbook).
OWN_FILES: tuple[str, ...] = (*ALL_FILES, WORKBOOK_NAME)
#: The byte order mark `bom=True` puts before the flow-set CSV text.
BOM = "\ufeff"


@dataclass(frozen=True)
class WrittenFile:
    """One file written: its final path and its number of data rows (None for metrics.json)."""

    path: Path
    rows: int | None


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote. `store_empty`: the store holds no work items and no pull requests.

    `cut_cells`: text cells cut to Excel's 32,767 characters in the workbook (0 without one).
    """

    directory: Path
    files: tuple[WrittenFile, ...]
    store_empty: bool
    cut_cells: int = 0

    @property
    def paths(self) -> list[Path]:
        return [f.path for f in self.files]

    @property
    def total_rows(self) -> int:
        return sum(f.rows or 0 for f in self.files)


def _write_table(table: Table, handle: TextIO, bom: bool = False) -> int:
    if bom:
        handle.write(BOM)
    return csvfmt.write_rows(handle, table.header, table.rows)


def _write_report(report: MetricsReport, handle: TextIO) -> None:
    handle.write(report.to_json())


def _write_workbook(tables: list[Table], as_of: datetime, cut: list[int], handle: BinaryIO) -> None:
    cut.append(write_workbook(handle, tables, created=as_of))


def _remove_if_empty(directory: Path) -> None:
    """Undo the creation of DIR after a failed export (only when nothing else appeared in it)."""
    try:
        directory.rmdir()
    except OSError:
        pass


def export(
    store: Store,
    settings: Settings,
    directory: Path,
    *,
    what: str = "all",
    item_filter: ItemFilter | None = None,
    as_of: datetime | None = None,
    window_from: date | None = None,
    window_to: date | None = None,
    policy: FlowPolicy | None = None,
    excel_safe: bool = False,
    bom: bool = False,
    workbook: bool = False,
) -> ExportResult:
    """Write the chosen file set into `directory`; see the module docstring for the rules.

    `what`: "powerbi" (six PR files), "flow" (work items, transitions, weekly throughput, metrics.json)
    or "all". `item_filter`, `as_of` (default: now, to the second), the window and `policy` (default:
    the settings' flow policy) apply as in `flowtui metrics`. `excel_safe` neutralises formula-like
    text in the PowerBI set too (the flow set is always neutralised). `bom`: the flow-set CSV files
    start with a UTF-8 BOM. `workbook`: also write `flowtui.xlsx` (needs xlsxwriter).
    Raises UsageError (bad `what`, a window whose start is after its end, foreign files in DIR,
    xlsxwriter missing) or ExportError (DIR unusable, a write failed, a table too long for a sheet);
    nothing is written then.
    """
    if what not in WHAT_CHOICES:
        raise UsageError(f"--what {what!r} is not a file set; choose one of {', '.join(WHAT_CHOICES)}.")
    if window_from and window_to and window_from > window_to:
        raise UsageError(f"--from {window_from.isoformat()} is after --to {window_to.isoformat()}; "
                         "give dates as YYYY-MM-DD with from <= to.")
    if workbook:
        require_xlsxwriter()
    as_of = to_utc(as_of) if as_of is not None else utc_now().replace(microsecond=0)
    directory = Path(directory).expanduser()
    # Refuse a file or foreign entries before any work; create a missing DIR only once the data is ready.
    if directory.exists():
        prepare_directory(directory, OWN_FILES)
    tables: list[Table] = []
    flow_names: set[str] = set()
    data: FlowData | None = None
    # Both sets use the completed PRs of the filter: read them once.
    prs = store.pull_requests(item_filter or ItemFilter(), status="completed")
    if what in ("powerbi", "all"):
        powerbi = powerbi_tables(store, item_filter, prs)
        tables.extend([safe_table(t) for t in powerbi] if excel_safe else powerbi)
    if what in ("flow", "all"):
        data = flow_data(store, settings, item_filter, as_of=as_of, window_from=window_from, window_to=window_to,
                         policy=policy, prs=prs)
        flow = [safe_table(t) for t in flow_tables(data)]
        flow_names = {t.name for t in flow}
        tables.extend(flow)
    specs = [FileSpec(t.name, partial(_write_table, t, bom=bom and t.name in flow_names)) for t in tables]
    if data is not None:
        specs.append(FileSpec(METRICS_JSON, partial(_write_report, data.report)))
    cut: list[int] = []
    if workbook:
        check_limits(tables)
        specs.append(FileSpec(WORKBOOK_NAME, partial(_write_workbook, tables, as_of, cut), binary=True))
    created = not directory.exists()
    directory = prepare_directory(directory, OWN_FILES)
    try:
        written = write_files(directory, specs)
    except BaseException:
        if created:
            _remove_if_empty(directory)
        raise
    stats = store.stats()
    return ExportResult(
        directory=directory,
        files=tuple(WrittenFile(path, rows) for path, rows in written),
        store_empty=stats.get("work_item", 0) == 0 and stats.get("pull_request", 0) == 0,
        cut_cells=sum(cut),
    )


__all__ = [
    "ALL_FILES",
    "ExportResult",
    "FLOW_FILES",
    "FLOW_HEADERS",
    "OWN_FILES",
    "POWERBI_FILES",
    "POWERBI_HEADERS",
    "WHAT_CHOICES",
    "WORKBOOK_NAME",
    "WrittenFile",
    "cycle_time_minutes",
    "export",
]
