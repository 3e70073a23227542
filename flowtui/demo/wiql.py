"""Enough WIQL for a sync client (reference §4): flat `SELECT … FROM WorkItems WHERE … ORDER BY …`.

Supported: `=`, `<>`, `!=`, `<`, `<=`, `>`, `>=`, `[NOT] IN (…)`, `[NOT] UNDER`, `[NOT] CONTAINS`,
`AND`, `OR`, `NOT`, parentheses, `@project`, `@today [± n]`, string / number / date literals
(quotes doubled to escape), `ORDER BY field [ASC|DESC], …` and `ASOF '…'`. Queries run over every
project of the org (as the real service does) unless a `[System.TeamProject]` condition narrows
them. Date fields compare at day precision unless `timePrecision=true`; a literal carrying a time
without it is a 400. More than `Faults.wiql_max_results` matches without `$top` is 400 VS402337;
with `$top` the first `$top` rows in ORDER BY order come back.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flowtui.demo.model import SimIdentity, SimRevision, SimWorkItem, WitTime, wit_date
from flowtui.demo.wire import CANONICAL, ApiError
from flowtui.demo.worktime import DAY_MS, dt_to_ms
from flowtui.timeutil import parse_ado_datetime

if TYPE_CHECKING:
    from flowtui.demo.request import Req

_TOKEN = re.compile(r"\s*(\[[^\]]+\]|'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|@\w+|\d+(?:\.\d+)?|<>|>=|<=|!=|=|<|>|"
                    r"\(|\)|,|\+|-|[A-Za-z_][\w.]*)")
_NAMES = {"System.Id": "ID", "System.Title": "Title", "System.State": "State",
          "System.WorkItemType": "Work Item Type", "System.ChangedDate": "Changed Date",
          "System.CreatedDate": "Created Date", "System.TeamProject": "Team Project",
          "System.AssignedTo": "Assigned To", "System.AreaPath": "Area Path",
          "System.IterationPath": "Iteration Path", "System.Tags": "Tags", "System.Rev": "Rev",
          "System.Reason": "Reason"}
_NUMERIC = {"System.Id", "System.Rev", "System.Watermark", "System.CommentCount", "Microsoft.VSTS.Common.Priority",
            "Microsoft.VSTS.Scheduling.StoryPoints", "Microsoft.VSTS.Scheduling.Effort"}
_GETTERS: dict[str, Callable[[SimWorkItem, SimRevision], Any]] = {
    "System.Id": lambda it, r: it.id,
    "System.TeamProject": lambda it, r: it.project.name,
    "System.WorkItemType": lambda it, r: it.type.name,
    "System.State": lambda it, r: r.state,
    "System.Reason": lambda it, r: r.reason,
    "System.Title": lambda it, r: r.title,
    "System.AreaPath": lambda it, r: r.area_path,
    "System.IterationPath": lambda it, r: r.iteration_path,
    "System.ChangedDate": lambda it, r: WitTime(r.t),
    "System.CreatedDate": lambda it, r: WitTime(it.created_ms),
    "System.AssignedTo": lambda it, r: r.assigned_to,
    "System.Tags": lambda it, r: r.tags or None,
    "System.Rev": lambda it, r: r.rev,
    "Microsoft.VSTS.Common.Priority": lambda it, r: r.priority,
}


def _syntax(msg: str) -> ApiError:
    return ApiError(400, msg, "WorkItemTrackingQueryInvalidSyntaxException",
                    "Microsoft.TeamFoundation.WorkItemTracking.Server.Query.WorkItemTrackingQueryInvalidSyntaxException, "
                    "Microsoft.TeamFoundation.WorkItemTracking.Server", event_id=3200)


class _Parser:
    def __init__(self, text: str, req: Req, time_precision: bool) -> None:
        self.text = text
        self.req = req
        self.time_precision = time_precision
        self.toks: list[str] = []
        pos = 0
        text = text.rstrip()
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                raise _syntax(f"TF51006: The query statement is not valid near «{text[pos:pos + 20]}».")
            self.toks.append(m.group(1))
            pos = m.end()
        self.i = 0

    def peek(self, k: int = 0) -> str | None:
        return self.toks[self.i + k] if self.i + k < len(self.toks) else None

    def kw(self, word: str) -> bool:
        tok = self.peek()
        if tok is not None and tok.upper() == word:
            self.i += 1
            return True
        return False

    def expect(self, word: str) -> None:
        if not self.kw(word):
            raise _syntax(f"TF51006: Expecting {word} near «{self.peek() or 'end of query'}».")

    def field(self) -> str:
        tok = self.peek()
        if tok is None:
            raise _syntax("TF51006: Expecting a field name.")
        self.i += 1
        name = tok[1:-1] if tok.startswith("[") else tok
        canon = CANONICAL.get(name.strip().lower())
        if canon is None:
            raise _syntax(f"TF51005: The query references a field that does not exist. The error is caused "
                          f"by «{name}».")
        return canon

    # query := SELECT fields FROM WorkItems [WHERE cond] [ORDER BY …] [ASOF '…']
    def query(self):
        self.expect("SELECT")
        cols = [self.field()]
        while self.peek() == ",":
            self.i += 1
            cols.append(self.field())
        self.expect("FROM")
        source = self.peek()
        if source is None or source.lower() not in ("workitems", "workitem"):
            raise _syntax("TF51006: Only FROM WorkItems (flat queries) is supported by this server.")
        self.i += 1
        cond = self.cond() if self.kw("WHERE") else (lambda it, r: True)
        order: list[tuple[str, bool]] = []
        if self.kw("ORDER"):
            self.expect("BY")
            while True:
                fld = self.field()
                desc = self.kw("DESC")
                if not desc:
                    self.kw("ASC")
                order.append((fld, desc))
                if self.peek() != ",":
                    break
                self.i += 1
        as_of = None
        if self.kw("ASOF"):
            as_of = self._date_literal(self.literal(), "ASOF", force_time=True)
        if self.peek() is not None:
            raise _syntax(f"TF51006: Unexpected «{self.peek()}» in the query.")
        return cols, cond, order, as_of

    def cond(self):
        left = self.term()
        while self.kw("OR"):
            right = self.term()
            left = (lambda a, b: lambda it, r: a(it, r) or b(it, r))(left, right)
        return left

    def term(self):
        left = self.factor()
        while self.kw("AND"):
            right = self.factor()
            left = (lambda a, b: lambda it, r: a(it, r) and b(it, r))(left, right)
        return left

    def factor(self):
        if self.kw("NOT"):
            inner = self.factor()
            return lambda it, r: not inner(it, r)
        if self.peek() == "(":
            self.i += 1
            inner = self.cond()
            if self.peek() != ")":
                raise _syntax("TF51006: Expecting ).")
            self.i += 1
            return inner
        return self.comparison()

    def literal(self) -> Any:
        tok = self.peek()
        if tok is None:
            raise _syntax("TF51006: Expecting a value.")
        self.i += 1
        if tok[0] in "'\"":
            return tok[1:-1].replace(tok[0] * 2, tok[0])
        if tok.lower() == "@project":
            if self.req.project is None:
                raise _syntax("VS402350: The @project macro needs a project in the request URL.")
            return self.req.project.name
        if tok.lower() == "@today":
            day = dt_to_ms(self.req.org.now.replace(hour=0, minute=0, second=0, microsecond=0))
            if self.peek() in ("+", "-"):
                sign = 1 if self.toks[self.i] == "+" else -1
                self.i += 1
                day += sign * int(self.literal()) * DAY_MS
            return ("@today", day)
        if tok == "-" and self.peek() is not None:
            return -self.literal()
        if re.fullmatch(r"\d+", tok):
            return int(tok)
        if re.fullmatch(r"\d+\.\d+", tok):
            return float(tok)
        raise _syntax(f"TF51006: Unexpected «{tok}».")

    def _date_literal(self, value: Any, clause: str, force_time: bool = False) -> tuple[int, bool]:
        """(epoch ms, has_time) of a date literal; 400 for a time without timePrecision."""
        if isinstance(value, tuple) and value[0] == "@today":
            return value[1], False
        if not isinstance(value, str):
            raise _syntax(f"TF51006: «{clause}» needs a date value.")
        text = value.strip()
        parsed = parse_ado_datetime(text + "T00:00:00Z" if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text) else text)
        if parsed is None:
            raise _syntax(f"TF51006: The value '{value}' is not a valid date. The error is caused by «{clause}».")
        has_time = bool(re.search(r"\d[T ]\d", value))
        if has_time and not self.time_precision and not force_time:
            raise _syntax("You cannot supply a time with the date when running a query using date precision. "
                          f"The error is caused by «{clause}».")
        return dt_to_ms(parsed), has_time

    def comparison(self):
        start = self.i
        fld = self.field()
        negate = self.kw("NOT")
        op_tok = self.peek()
        if op_tok is None:
            raise _syntax("TF51006: Expecting an operator.")
        op = op_tok.upper()
        self.i += 1
        getter = _GETTERS.get(fld) or (lambda it, r, f=fld: r.raw_fields().get(f))
        if op == "IN":
            if self.peek() != "(":
                raise _syntax("TF51006: Expecting ( after IN.")
            self.i += 1
            values = [self.literal()]
            while self.peek() == ",":
                self.i += 1
                values.append(self.literal())
            self.i += 1
            wanted = {str(v).lower() for v in values}
            test = lambda it, r: _text(getter(it, r)) in wanted  # noqa: E731
            return (lambda it, r: not test(it, r)) if negate else test
        raw = self.literal()
        clause = " ".join(self.toks[start:self.i])
        if op == "UNDER":
            path = str(raw).lower()
            test = lambda it, r: (lambda v: v is not None and (v.lower() == path or  # noqa: E731
                                                               v.lower().startswith(path + "\\")))(getter(it, r))
        elif op == "CONTAINS":
            needle = str(raw).lower()
            if fld == "System.Tags":
                test = lambda it, r: needle in [  # noqa: E731
                    t.strip().lower() for t in (getter(it, r) or "").split(";")]
            else:
                test = lambda it, r: needle in _text(getter(it, r))  # noqa: E731
        elif op in ("=", "<>", "!=", "<", "<=", ">", ">="):
            if negate:
                raise _syntax(f"TF51006: NOT cannot precede «{op}».")
            return self._compare(fld, getter, op, raw, clause)
        else:
            raise _syntax(f"TF51006: Unknown operator «{op_tok}».")
        return (lambda it, r: not test(it, r)) if negate else test

    def _compare(self, fld: str, getter, op: str, raw: Any, clause: str):
        date_field = fld.endswith("Date")
        if date_field:
            ms, _ = self._date_literal(raw, clause)
            day_mode = not self.time_precision
            key_lit = ms // DAY_MS if day_mode else ms

            def key(it, r):
                v = getter(it, r)
                if v is None:
                    return None
                return int(v) // DAY_MS if day_mode else int(v)
            lit = key_lit
        elif isinstance(raw, (int, float)) or (fld in _NUMERIC and isinstance(raw, str)
                                                and re.fullmatch(r"-?\d+(\.\d+)?", raw.strip())):
            if isinstance(raw, str):
                raw = float(raw) if "." in raw else int(raw)
            def key(it, r):
                v = getter(it, r)
                return v if isinstance(v, (int, float)) else None
            lit = raw
        else:
            lit = str(raw).lower()

            def key(it, r):
                v = getter(it, r)
                if isinstance(v, SimIdentity):
                    for form in (v.display_name, v.unique_name, v.ref_string):
                        if form.lower() == lit:
                            return lit
                    return v.display_name.lower()
                return None if v is None else _text(v)
        ops = {"=": lambda a: a == lit, "<>": lambda a: a != lit, "!=": lambda a: a != lit,
               "<": lambda a: a < lit, "<=": lambda a: a <= lit, ">": lambda a: a > lit,
               ">=": lambda a: a >= lit}
        fn = ops[op]
        empty_literal = lit == ""

        def test(it, r):
            v = key(it, r)
            if v is None:
                return op in ("<>", "!=") and not empty_literal or (op == "=" and empty_literal)
            return fn(v)
        return test


def _text(value: Any) -> str:
    if isinstance(value, SimIdentity):
        return value.display_name.lower()
    return "" if value is None else str(value).lower()


def _sort_key(value: Any) -> tuple:
    if value is None:
        return (0, "")
    if isinstance(value, SimIdentity):
        return (1, value.display_name.lower())
    if isinstance(value, (int, float)):
        return (1, value)
    return (1, str(value).lower())


def run_wiql(req: Req, text: str, top: int | None, time_precision: bool) -> dict[str, Any]:
    """Execute a flat WIQL query and build the WorkItemQueryResult."""
    if len(text) > 32_768:
        raise _syntax("VS402339: The query text exceeds the limit of 32768 characters.")
    cols, cond, order, as_of = _Parser(text, req, time_precision).query()
    rows: list[tuple[SimWorkItem, SimRevision]] = []
    for item in req.org.work_items.values():
        if item.is_deleted:
            continue
        rev = item.revision_as_of(as_of[0]) if as_of else item.revisions[-1]
        if rev is not None and cond(item, rev):
            rows.append((item, rev))
    for fld, desc in reversed(order):
        getter = _GETTERS.get(fld) or (lambda it, r, f=fld: r.raw_fields().get(f))
        rows.sort(key=lambda row: _sort_key(getter(*row)), reverse=desc)
    cap = req.faults.wiql_max_results
    if top is None and len(rows) > cap:
        raise ApiError(400, f"VS402337: The number of work items returned exceeds the size limit of {cap}. "
                            "Change the query to return fewer items.",
                       "WorkItemTrackingQueryResultSizeLimitExceededException",
                       "Microsoft.TeamFoundation.WorkItemTracking.Server.WorkItemTrackingQueryResultSizeLimitExceededException, "
                       "Microsoft.TeamFoundation.WorkItemTracking.Server", event_id=3200)
    if top is not None:
        rows = rows[:top]
    base = req.base

    def ref(fld: str) -> dict[str, str]:
        return {"referenceName": fld, "name": _NAMES.get(fld, fld.rsplit(".", 1)[-1]),
                "url": f"{base}/_apis/wit/fields/{fld}"}

    out: dict[str, Any] = {"queryType": "flat", "queryResultType": "workItem",
                           "asOf": wit_date(as_of[0] if as_of else req.org.now_ms),
                           "columns": [ref(c) for c in cols]}
    if order:
        out["sortColumns"] = [{"field": ref(f), "descending": d} for f, d in order]
    out["workItems"] = [{"id": it.id, "url": f"{base}/_apis/wit/workItems/{it.id}"} for it, _ in rows]
    return out

