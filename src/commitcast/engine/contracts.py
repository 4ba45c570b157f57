"""Every contract month by month, per run: the engine's contract schedules.

The schedule runs over the contract grid, from the month before the horizon (fees paid in
arrears in the horizon's first month are for that month) through the last contract's end,
because an obligation does not stop at the edge of the projection. The projection reads the
horizon's months of it (`ContractSchedule`); the workbook's Contracts sheet shows all of it
(`FullSchedule`), so it stores these figures rather than working them out a second time.

Contracts are an axis of the arrays: every input is stacked into a (runs, contracts) array and
the schedules of all contracts are worked out at once over (runs, contracts, grid months), in
blocks of contracts so that no array passes BLOCK_ELEMENTS (unless one contract's runs x grid
months do: a block holds at least one contract). A block whose contracts have the same
inputs in every run is worked out for one run and shown for every run (the same arithmetic on
the same numbers, so the same figures). Each contract's `ContractSchedule` is a slice of its
block; contracts are added up in their order in the scenario, as one at a time would.

Conventions (also in docs/conventions.md):
- a contract's fee and capacity in a month are prorated by days in service / days in month;
- contract month k counts calendar months from the contract's start month (k = 0 there);
  the escalator multiplies the fee by (1 + rate) ** (k // every_months); ramp steps follow one
  another from k = 0 and scale fee and capacity (a contract with fewer steps than another in
  its block has steps of 0 months added, which cover no month);
- notice on day D with N days' notice makes D + N the first day without service, unless that
  reaches to or past the contract's end (then nothing changes and no fee is charged); the
  termination fee is part of the committed fees of the last month of service;
- `advance` pays a month's fees in that month, `arrears` the month after.

Dates are day numbers (`core.calendar`). Nothing here rounds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields

import numpy as np

from commitcast.core.calendar import MonthGrid, month_number, months_of_days
from commitcast.model.inputs import CONTRACT_FIELDS, STEP_TABLES, ContractKey, contract_key
from commitcast.variants.batch import Batch

SECONDS_A_DAY = 86_400.0
HOURS_A_DAY = 24.0

# The most elements a block's (runs, contracts, grid months) array holds (512 KB of float64):
# a block needs some twenty such arrays at once, and they stay in the cache.
BLOCK_ELEMENTS = 1 << 16


@dataclass
class FullSchedule:
    """One contract over the whole contract grid, per run: every row of the Contracts sheet.

    Every array has shape (runs, G), G = `BatchResult.contract_grid.count`: column 0 is the
    month before the horizon, columns 1..months the horizon, the rest the months after it, to
    the last contract's end. "Notice at a month's end" means notice given on the first day of
    the next month. Money is unrounded; days are day numbers.
    """

    # k: whole calendar months from the contract's start month (int64; negative before it)
    contract_month: np.ndarray
    # (1 + rate) ** (max(k, 0) // every_months)
    escalation: np.ndarray
    # the fraction of the ramp step k falls in; 1 before k = 0 and after the last step
    ramp: np.ndarray
    # monthly fee x escalation x ramp: the fee for a whole month of service
    full_month_fee: np.ndarray
    # days of service in the month
    service_days: np.ndarray
    # full_month_fee / days in the month
    daily_fee: np.ndarray
    # daily_fee x service_days
    service_fees: np.ndarray
    # tokens per month x ramp x service_days / days in the month, or with GPUs
    # gpus x tokens per GPU-second x 86,400 x service_days x ramp
    capacity_tokens: np.ndarray
    # capacity_tokens x uptime
    available_tokens: np.ndarray
    # SLA credit earned: service_fees x the credit rate of the contract's uptime (at most cap)
    sla_credits: np.ndarray
    # the termination fee, in the month of the last day of service; 0 elsewhere
    termination_fee: np.ndarray
    # an unused prepayment forfeited, in the month of the last day of service; 0 elsewhere
    prepayment_forfeited: np.ndarray
    # committed fees: service_fees + termination_fee + prepayment_forfeited
    fees: np.ndarray
    # fees paid in the month (by billing period: advance in its first month, arrears in the
    # month after its last), less the SLA credits earned the month before and what a
    # prepayment covers, plus the prepayment in its month; NaN in column 0 in arrears when the
    # month before is not on the grid
    fees_paid: np.ndarray
    # fees incurred to date less fees paid to date (gross of credits and prepayment)
    fees_payable: np.ndarray
    # prepayment paid and not yet credited at the month's end
    prepaid_fees: np.ndarray
    # units of the reporting currency per unit of the contract's (1 in the reporting one)
    fx_rate: np.ndarray
    # service fees from the grid's first month through the month's end
    service_fees_to_date: np.ndarray
    # the first day of the next month: notice given at this month's end
    notice_day: np.ndarray
    # notice_day, or the earliest notice day if that is later
    notice_from: np.ndarray
    # first day without service after notice on notice_from: notice_from + notice days, or
    # the day after the contract's end if that comes first
    service_ends: np.ndarray
    # grid column (0-based, int64) of the month service_ends falls in
    service_end_month: np.ndarray
    # service fees from the grid's first day to the day before service_ends
    fees_before_service_ends: np.ndarray
    # service fees for the days after the month (of the schedule as given)
    fees_left: np.ndarray
    # owed if notice were given at the month's end: service fees up to service_ends, plus the
    # termination fee if that ends service early, at most the fees left if no notice were
    # planned (fees_left without a notice given); before anything paid ahead for it
    exit_cost: np.ndarray
    # with notice given and service ending early: the termination fee while its month (the
    # last of service) is still to come, else 0
    termination_fee_to_come: np.ndarray
    # remaining obligation at the month's end: from the month notice is given in, fees_left +
    # termination_fee_to_come; before it, or without notice, with a termination option
    # exit_cost; else fees_left. Billed ahead or prepaid: less what is already paid for it
    # (fees billed ahead, then the prepayment not yet credited; see `_still_to_pay`)
    obligation: np.ndarray
    # latest notice day for service to end with the month (notice_day - notice days); NaN
    # without a termination option or when that is before the earliest notice day
    notice_deadline: np.ndarray


class ContractSchedule:
    """One contract, per run: the horizon's months (what the projection adds up), the notice
    as given, and the whole contract grid (`full`, what the Contracts sheet shows).

    Every figure is a slice of the arrays of the contract's block, read when asked for; a
    contract whose inputs are the same in every run is shown as a read-only view repeated for
    every run.
    """

    __slots__ = ("name", "_block", "_column", "_full")

    def __init__(self, name: str, block: _Block, column: int):
        self.name = name
        self._block = block
        self._column = column
        self._full: FullSchedule | None = None

    def __repr__(self) -> str:
        return f"ContractSchedule({self.name!r})"

    @property
    def fees(self) -> np.ndarray:
        """Committed fees incl. any termination fee, (runs, months)."""
        return self._block.horizon("fees", self._column)

    @property
    def capacity_tokens(self) -> np.ndarray:
        """(runs, months)"""
        return self._block.horizon("capacity_tokens", self._column)

    @property
    def fees_paid(self) -> np.ndarray:
        """(runs, months), less the SLA credits earned the month before."""
        return self._block.horizon("fees_paid", self._column)

    @property
    def available_tokens(self) -> np.ndarray:
        """(runs, months): capacity x uptime."""
        return self._block.horizon("available_tokens", self._column)

    @property
    def sla_credits(self) -> np.ndarray:
        """(runs, months): SLA credits earned in the month."""
        return self._block.horizon("sla_credits", self._column)

    @property
    def gpu_hours(self) -> np.ndarray:
        """(runs, months): gpus x 24 x service days x ramp (0 without GPUs)."""
        return self._block.horizon("gpu_hours", self._column)

    @property
    def termination_fee(self) -> np.ndarray:
        """(runs, months), non-zero only in the last month of service."""
        return self._block.horizon("termination_fee", self._column)

    @property
    def remaining_obligation(self) -> np.ndarray:
        """(runs, months)"""
        return self._block.horizon("obligation", self._column)

    @property
    def last_service_day(self) -> np.ndarray:
        """(runs,) day number."""
        return self._block.figure("last_service_day", self._column)

    @property
    def exit_cost_now(self) -> np.ndarray:
        """(runs,) the obligation at the end of the month before the horizon."""
        return self._block.figure("exit_cost_now", self._column)

    @property
    def fees_after_horizon(self) -> np.ndarray:
        """(runs,) fees scheduled after the horizon's last month."""
        return self._block.figure("fees_after_horizon", self._column)

    @property
    def notice_given(self) -> np.ndarray:
        """(runs,) bool: a termination option and a notice date."""
        return self._block.figure("notice_given", self._column)

    @property
    def ends_early(self) -> np.ndarray:
        """(runs,) bool: that notice ends service before the contract's end."""
        return self._block.figure("ends_early", self._column)

    @property
    def first_day_without_service(self) -> np.ndarray:
        """(runs,) day number: last_service_day + 1."""
        return self._block.figure("first_day_without_service", self._column)

    @property
    def full(self) -> FullSchedule:
        """Every row of the contract over the whole contract grid, (runs, G) each.

        Worked out on first use for the contract's whole block, by the computation that gave
        the figures above, on the same inputs (so the same numbers), and then kept: a batch of
        many runs (simulate) does not hold some twenty (runs, G) arrays per contract that
        nobody reads.
        """
        if self._full is None:
            self._full = self._block.full(self._column)
        return self._full


@dataclass
class ContractTotals:
    """The contracts added up, in their order in the scenario. Each array has one row per run,
    or a single row for every run where it is the same in every run (no contract's inputs it
    follows from differ between runs: the fees, when only capacities vary)."""

    fees: np.ndarray  # (rows, months)
    fees_paid: np.ndarray
    capacity_tokens: np.ndarray
    remaining_obligation: np.ndarray
    available_tokens: np.ndarray
    gpu_hours: np.ndarray
    available_gpus: np.ndarray
    sla_credits: np.ndarray
    gpu_fees: np.ndarray
    fees_payable: np.ndarray
    prepaid_fees: np.ndarray
    fx_loss: np.ndarray
    exit_cost_now: np.ndarray  # (rows,)
    # the balances at the start of the horizon: the month before's arrears fees, not yet paid,
    # and its SLA credits, not yet deducted
    opening_fees_payable: np.ndarray  # (rows,)
    opening_sla_credits: np.ndarray  # (rows,)
    opening_prepaid_fees: np.ndarray  # (rows,)


def contract_grid(batch: Batch) -> MonthGrid:
    """The month before the horizon through the last contract's end (or the horizon's end)."""
    scenario = batch.scenario
    first = month_number(scenario.horizon.start)
    ends = [batch.contract_inputs.fields["end"]]
    # a varied end date (a batch key) could lie later than the scenario's own
    ends += [
        values
        for key, values in batch.varied.items()
        if (where := contract_key(key)) and where.step is None and where.field == "end"
    ]
    days = np.concatenate(ends)
    days = days[np.isfinite(days)]
    last = first + scenario.months - 1
    if days.size:
        last = max(last, int(months_of_days(np.array([days.max()]))[0]))
    return MonthGrid(first - 1, last - first + 2)


def contract_schedules(
    batch: Batch, grid: MonthGrid, varying: list[str]
) -> tuple[list[ContractSchedule], ContractTotals]:
    """Every contract of the batch over the contract grid `grid` (see `contract_grid`), and
    their totals over the horizon. `varying` are the keys whose values differ between runs
    (`Batch.varying`): a contract with none of them is worked out once for every run."""
    count = batch.contract_inputs.count
    months = batch.scenario.months
    # how each contract's inputs vary between runs: FIXED, only in CAPACITY_INPUTS, or more
    varies = np.full(count, FIXED, dtype=np.int64)
    if batch.runs > 1:
        for key in varying:
            for where in _contract_keys(batch, key):
                kind = CAPACITY if where.stacked in CAPACITY_INPUTS else PER_RUN
                varies[where.contract] = max(varies[where.contract], kind)
    overrides = _overrides(batch)
    extras = _extras(batch)
    names = [c.name for c in batch.scenario.contracts]
    schedules: list[ContractSchedule] = []
    totals = _Totals(months)
    lo = 0
    while lo < count:
        kind = varies[lo]
        same = np.flatnonzero(varies[lo:] != kind)
        end = lo + (int(same[0]) if same.size else count - lo)
        depth = 1 if kind == FIXED else batch.runs
        size = max(1, BLOCK_ELEMENTS // (depth * grid.count))
        for start in range(lo, end, size):
            stop = min(start + size, end)
            params = _params(batch, start, stop, overrides, extras, per_run=kind != FIXED)
            block = _Block(params, grid, months, batch.runs, capacity_only=kind == CAPACITY)
            totals.add(block)
            schedules += [ContractSchedule(names[i], block, i - start) for i in range(start, stop)]
        lo = end
    return schedules, totals.result()


# A contract's inputs are the same in every run (FIXED), differ only in CAPACITY_INPUTS, or
# differ in others too (PER_RUN). With capacity alone varying (simulate's usual case: how
# many tokens the capacity serves, its uptime), the fees, payments and obligations are the
# same in every run: they are worked out once, and only the capacity, availability and SLA
# credits (and what the credits change: payments net of credits, the GPU fees, the FX loss on
# what is owed) for every run. The same arithmetic on the same numbers: the same figures.
FIXED, CAPACITY, PER_RUN = 0, 1, 2
CAPACITY_INPUTS = frozenset(
    ("capacity.tokens_per_month", "capacity.tokens_per_gpu_second", "uptime")
)


def contract_schedule(batch: Batch, index: int, grid: MonthGrid) -> ContractSchedule:
    """Contract `index` of the batch, on its own, over the contract grid `grid` (see
    `contract_grid`), for every run of the batch."""
    params = _params(batch, index, index + 1, _overrides(batch), _extras(batch), per_run=True)
    block = _Block(params, grid, batch.scenario.months, batch.runs)
    return ContractSchedule(batch.scenario.contracts[index].name, block, 0)


def _overrides(batch: Batch) -> list[tuple[ContractKey, np.ndarray]]:
    """The contract keys given per run, where they point (an FX rate: at every contract in
    that currency)."""
    return [
        (where, values)
        for key, values in batch.varied.items()
        for where in _contract_keys(batch, key)
    ]


def _contract_keys(batch: Batch, key: str) -> list[ContractKey]:
    """The contract inputs a key sets: one contract's input, or `fx.<CODE>.rate|change` for
    each contract in that currency (as its `fx.rate` or `fx.change`)."""
    where = contract_key(key)
    if where is not None:
        return [where]
    found = _FX_KEY.fullmatch(key)
    if found is None:
        return []
    scenario = batch.scenario
    return [
        ContractKey(i, f"fx.{found[2]}")
        for i, c in enumerate(scenario.contracts)
        if scenario.currency_of(c) == found[1]
    ]


_FX_KEY = re.compile(r"fx\.([A-Z]{3})\.(rate|change)")


def _extras(batch: Batch) -> dict[str, np.ndarray]:
    """Each contract's inputs that are not among its own keys, (contracts,) each: `kind` (1 a
    commit, 0 reserved) and the rate and monthly change of its currency (`fx.rate` 1 and
    `fx.change` 0 in the reporting currency)."""
    scenario = batch.scenario
    contracts = scenario.contracts
    codes = [scenario.currency_of(c) for c in contracts]
    fx = {
        code: (batch.others[f"fx.{code}.rate"], batch.others[f"fx.{code}.change"])
        for code in set(codes)
        if code != scenario.currency
    }
    return {
        "kind": np.array([c.kind == "commit" for c in contracts], dtype=np.float64),
        "fx.rate": np.array([fx.get(code, (1.0, 0.0))[0] for code in codes]),
        "fx.change": np.array([fx.get(code, (1.0, 0.0))[1] for code in codes]),
    }


def _params(
    batch: Batch,
    start: int,
    stop: int,
    overrides: list[tuple[ContractKey, np.ndarray]],
    extras: dict[str, np.ndarray],
    *,
    per_run: bool,
) -> dict[str, np.ndarray]:
    """Contracts start..stop-1 stacked: each input (rows, contracts), each ramp input
    (rows, contracts, steps); rows = runs if `per_run`, else 1 (the first run's values)."""
    base = batch.contract_inputs
    rows = batch.runs if per_run else 1
    columns = {name: base.fields[name] for name in CONTRACT_FIELDS} | extras
    stacked = {
        name: np.broadcast_to(values[start:stop], (rows, stop - start))
        for name, values in columns.items()
    }
    for table, inputs in STEP_TABLES.items():
        width = int(base.step_counts[table][start:stop].max(initial=0))
        for name in inputs:
            values = base.steps[f"{table}.{name}"][start:stop, :width]
            stacked[f"{table}.{name}"] = np.broadcast_to(values, (rows, stop - start, width))
    for where, values in overrides:
        if not start <= where.contract < stop:
            continue
        name = where.stacked
        if not stacked[name].flags.writeable:
            stacked[name] = stacked[name].copy()
        column = values if per_run else values[:1]
        if where.step is None:
            stacked[name][:, where.contract - start] = column
        else:
            stacked[name][:, where.contract - start, where.step] = column
    return stacked


# The rows added up over contracts (ContractTotals; `obligation` is its remaining_obligation)
TOTALS = (
    "fees_payable",
    "prepaid_fees",
    "fx_loss",
    "fees",
    "fees_paid",
    "capacity_tokens",
    "obligation",
    "available_tokens",
    "gpu_hours",
    "available_gpus",
    "sla_credits",
    "gpu_fees",
)


# ContractTotals' figures for the month before the horizon, and the rows they come from
OPENING = {
    "exit_cost_now": "obligation",
    "opening_fees_payable": "fees_payable",
    "opening_sla_credits": "sla_credits",
    "opening_prepaid_fees": "prepaid_fees",
}


class _Totals:
    """Sums over contracts in scenario order, block by block: ((0 + c0) + c1) + ..., the
    additions one contract at a time would make, so that a batch and one run agree."""

    def __init__(self, months: int):
        self.sums = {name: np.zeros((1, months)) for name in TOTALS}
        # before the horizon (grid column 0): the exit cost now and the opening balances
        self.opening = {name: np.zeros((1, 1)) for name in OPENING}

    def add(self, block: _Block) -> None:
        for name, total in self.sums.items():
            self.sums[name] = _add_in_order(total, block.horizon_block(name))
        for name, total in self.opening.items():
            self.opening[name] = _add_in_order(total, block.rows[OPENING[name]][:, :, :1])

    def result(self) -> ContractTotals:
        # a total the same in every run stays one row (the engine reads it for every run)
        sums = dict(self.sums)
        opening = {name: total[:, 0] for name, total in self.opening.items()}
        return ContractTotals(remaining_obligation=sums.pop("obligation"), **sums, **opening)


def _add_in_order(total: np.ndarray, part: np.ndarray) -> np.ndarray:
    """total (rows, n) + part[:, 0] + part[:, 1] + ... for part (rows', contracts, n), each
    addition rounded in turn (a cumulative sum is; a sum over an axis need not be)."""
    rows = max(total.shape[0], part.shape[0])
    count = part.shape[1]
    if rows * part.shape[2] >= 2048 or count == 1:
        # long rows: one addition per contract costs little next to the additions themselves
        out = np.empty((rows, total.shape[1]))  # C order (see below)
        out[...] = total
        for c in range(count):
            np.add(out, part[:, c], out=out)
        return out
    stack = np.empty((rows, count + 1, part.shape[2]))
    stack[:, 0] = total
    stack[:, 1:] = part
    np.cumsum(stack, axis=1, out=stack)
    # a C-ordered copy: how numpy sums an array's rows depends on its layout
    return stack[:, -1].copy()


class _Block:
    """Contracts of one block worked out together: (depth, contracts, G) arrays, depth = runs,
    or 1 for a row the same in every run (shown as every run): every row when the contracts'
    inputs are the same in every run, and with `capacity_only` the rows that follow from
    their other inputs (see CAPACITY)."""

    def __init__(
        self,
        params: dict[str, np.ndarray],
        grid: MonthGrid,
        months: int,
        runs: int,
        *,
        capacity_only: bool = False,
    ):
        self.params = params
        self.grid = grid
        self.months = months
        self.runs = runs
        if capacity_only:
            # (see CAPACITY): the rest of the inputs as one row; the rows then have one row,
            # or one per run where they follow from the capacity
            once = {name: values[:1] for name, values in params.items()}
            capacity = {name: params[name] for name in CAPACITY_INPUTS}
            self.rows = _rows(once, grid, months, full=False, capacity=capacity)
        else:
            self.rows = _rows(params, grid, months, full=False)
        self._full: dict[str, np.ndarray] | None = None

    def _show(self, array: np.ndarray) -> np.ndarray:
        if array.shape[0] == self.runs:
            return array
        return np.broadcast_to(array, (self.runs, *array.shape[1:]))

    def horizon_block(self, name: str) -> np.ndarray:
        """(depth, contracts, months): the horizon's months of a row."""
        return self.rows[name][:, :, 1 : self.months + 1]

    def horizon(self, name: str, column: int) -> np.ndarray:
        return self._show(self.rows[name][:, column, 1 : self.months + 1])

    def figure(self, name: str, column: int) -> np.ndarray:
        return self._show(self.rows[name][:, column])

    def full(self, column: int) -> FullSchedule:
        if self._full is None:
            # overflow past the horizon is refused by engine.overflow.contracts_problem with a
            # message; numpy's warnings would only confuse (as in engine.run.run)
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                self._full = _rows(self.params, self.grid, self.months, full=True)
        full = self._full
        return FullSchedule(**{name: self._show(full[name][:, column]) for name in FULL_ROWS})


FULL_ROWS = tuple(f.name for f in fields(FullSchedule))
ALL = slice(None)


def _along_last_axis(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    """values[r, c, index[r, c, j]] for every r, c, j: np.take_along_axis(values, index, axis=2)
    for a C-ordered `values`, gathered from its flat buffer (the same elements, faster)."""
    depth, contracts, width = values.shape
    rows = np.arange(depth * contracts, dtype=np.int64).reshape(depth, contracts, 1) * width
    return np.take(values.reshape(-1), rows + index)


def _rows(
    p: dict[str, np.ndarray],
    grid: MonthGrid,
    months: int,
    *,
    full: bool,
    capacity: dict[str, np.ndarray] | None = None,
) -> dict[str, np.ndarray]:
    """The schedules of stacked contracts `p` (see `_params`) over `grid`: the horizon's rows
    and figures, or with `full` every row of `FullSchedule` too. (depth, contracts, G) each,
    figures (depth, contracts). `capacity`, if given, holds CAPACITY_INPUTS with a row per
    run, `p` the rest with one: each row then has the depth of what it follows from."""
    # Billing periods and prepayments reach back before the grid: an arrears quarter ending in
    # the horizon's first month began two months before it. The schedule is then worked out
    # from the earliest month such a contract needs (`lead` months earlier), and cut to `grid`.
    lead = _lead(p, grid)
    grid = MonthGrid(grid.first - lead, grid.count + lead)
    h0 = lead  # the work grid's column of the month before the horizon
    count = grid.count
    starts = grid.starts.astype(np.float64)  # (G + 1,) first day of each month and one past
    month_first = starts[:-1]
    month_next = starts[1:]
    days_in_month = np.diff(starts)

    def column(name: str) -> np.ndarray:
        return p[name][:, :, None]  # (depth, contracts, 1): the same in every month

    start = column("start")
    end = column("end")
    fee = column("monthly_fee")

    def per_run(name: str) -> np.ndarray:
        return column(name) if capacity is None else capacity[name][:, :, None]

    tokens = per_run("capacity.tokens_per_month")
    gpus = column("capacity.gpus")
    throughput = per_run("capacity.tokens_per_gpu_second")
    uptime = per_run("uptime")
    allowed = column("termination.allowed") > 0
    notice_days = column("termination.notice_days")
    # a commit's termination fee is bought tokens' business (engine.commits), not a fee here
    termination_fee = column("termination.fee") * (1.0 - column("kind"))
    earliest = column("termination.earliest_notice")
    notice = column("termination.notice_given")
    given = allowed & np.isfinite(notice)
    window_end = np.where(given, notice + notice_days, np.inf)
    terminated = given & (window_end <= end)
    stop = np.where(terminated, window_end, end + 1)  # first day without service

    # contract month k of each grid month, and the fee before proration
    k = grid.months - months_of_days(p["start"])[:, :, None]
    every = np.maximum(column("escalator.every_months"), 1)
    if np.all(every == np.floor(every)):
        # whole months: floor(k / every) is exactly what floor_divide gives (k / every is at
        # least 1 / every short of the next whole number, far more than a rounding), faster
        steps = np.floor(np.maximum(k, 0) / every)
    else:
        steps = np.floor_divide(np.maximum(k, 0), every)
    escalation = np.power(1.0 + column("escalator.rate"), steps)
    ramp = np.ones_like(escalation)
    step_start = np.zeros_like(start)
    for j in range(p["ramp.months"].shape[2]):
        length = p["ramp.months"][:, :, j : j + 1]
        in_step = (k >= step_start) & (k < step_start + length)
        ramp = np.where(in_step, p["ramp.fraction"][:, :, j : j + 1], ramp)
        step_start = step_start + length
    full_fee = fee * escalation * ramp  # fee for a whole month of service
    daily_fee = full_fee / days_in_month

    days = np.clip(np.minimum(stop, month_next) - np.maximum(start, month_first), 0, None)
    service_fees = daily_fee * days
    # One of the two forms is 0 (validation), and x + 0.0 is x: a contract given in tokens
    # per month has the capacity it had before GPUs could be given.
    gpu_days = gpus * days * ramp
    gpu_tokens = gpus * throughput * SECONDS_A_DAY * days * ramp
    capacity = tokens * ramp * days / days_in_month + gpu_tokens
    available = capacity * uptime
    # The credit rate: the largest credit among tiers whose `below` exceeds the uptime (padding
    # tiers lie below 0 and never apply), at most the cap. Credits are on the service fees.
    tiers = p["sla.credits.below"] > uptime
    rate = np.max(np.where(tiers, p["sla.credits.credit"], 0.0), axis=2, initial=0.0)
    rate = np.minimum(rate[:, :, None], column("sla.cap"))
    credits = rate * service_fees

    # the termination fee belongs to the month of the last day of service
    last_day = stop - 1
    last_month = np.searchsorted(starts, last_day[:, :, 0], side="right") - 1
    charge = np.zeros_like(service_fees)
    runs, contracts = np.nonzero(terminated[:, :, 0] & (last_month >= 0) & (last_month < count))
    charge[runs, contracts, last_month[runs, contracts]] = termination_fee[runs, contracts, 0]
    committed = service_fees + charge

    # paid in a month: its own fees (advance) or the month before's (arrears, none known for
    # the grid's first month)
    arrears = column("payment.timing") == 1.0
    edge = (*committed.shape[:2], 1)
    before = np.concatenate([np.full(edge, np.nan), committed[:, :, :-1]], axis=2)
    paid = np.where(arrears, before, 0.0) + np.where(arrears, 0.0, committed)
    # fees incurred and not yet paid at the month's end: an arrears contract's fees
    payable = np.where(arrears, committed, 0.0)
    billing = column("payment.every_months")
    prepaid = np.zeros_like(committed)
    forfeited = np.zeros_like(committed)
    simple_payments = not ((billing > 1).any() or (column("prepayment.amount") > 0).any())
    simple: np.ndarray | bool = True
    if not simple_payments:
        # the general schedule of payments; a contract billed monthly without a prepayment
        # keeps the one above (the same figures, by the same arithmetic)
        general = _payments(p, k, service_fees, charge, last_day, starts, arrears, billing, edge)
        simple = (billing == 1) & (column("prepayment.amount") <= 0)
        paid = np.where(simple, paid, general["paid"])
        payable = np.where(simple, payable, general["payable"])
        prepaid = np.where(simple, 0.0, general["prepaid"])
        forfeited = np.where(simple, 0.0, general["forfeited"])
        committed = committed + forfeited
    # SLA credits come off the payment of the month after they are earned, either timing
    # (credits earned before the grid's first month are not known: none)
    credited = np.concatenate([np.zeros((*credits.shape[:2], 1)), credits[:, :, :-1]], axis=2)
    paid = paid - credited

    # Cumulative service fees at each month's first day; fees up to any day follow from it.
    cumulative = np.concatenate([np.zeros(edge), np.cumsum(service_fees, axis=2)], axis=2)

    # the grid column of each day of the grid, and of the day after it (held to the last)
    columns = np.append(np.repeat(np.arange(count), np.diff(grid.starts)), count - 1)

    def month_of(day: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """`day` held to the grid, and the grid column of its month."""
        day = np.clip(day, starts[0], starts[-1])
        if np.isnan(day).any():
            month = np.clip(np.searchsorted(starts, day, side="right") - 1, 0, count - 1)
        else:
            # what searchsorted finds, read from a table of the grid's days
            month = columns[(day - starts[0]).astype(np.int64)]
        return day, month

    def fees_before(
        day: np.ndarray, month: np.ndarray | None = None, pick: slice | np.ndarray = ALL
    ) -> np.ndarray:
        """Service fees for days before `day` (day numbers, (depth, contracts, n)), from the
        grid's first day, for the contracts `pick` of the block. `month`, if given, is the grid
        column of each day's month, the same for every contract ((n,)), with `day` inside the
        grid."""
        fees, to_date = daily_fee[:, pick], cumulative[:, pick]
        if month is None:
            day, month = month_of(day)
            rate = _along_last_axis(fees, month)
            before = _along_last_axis(to_date, month)
        else:
            rate = fees[:, :, month]
            before = to_date[:, :, month]
        first_day = starts[month]
        partial = np.clip(
            np.minimum(day, stop[:, pick]) - np.maximum(start[:, pick], first_day), 0, None
        )
        return before + rate * partial

    # Obligation if notice were given on day A = the first day of each grid month but the first
    # (A = first of month m + 1 gives the remaining obligation at the end of month m). A is the
    # first day of grid column m + 1, held to the last column, which month_of would find.
    a = month_next
    to_a = fees_before(a, np.minimum(np.arange(1, count + 1), count - 1))
    # every fee of the schedule: the same for every A, so worked out once
    from_a = fees_before(np.full(edge, np.inf)) - to_a
    # notice as given in the scenario: the rest of that schedule plus a fee not yet charged
    pending_fee = np.where(terminated & (last_day >= a), termination_fee, 0.0)
    with_notice = from_a + pending_fee
    # Otherwise: notice on max(A, earliest) ending service at D + N, capped by running out.
    # The obligation reads this for a termination option without notice given, and for one
    # with notice given in the months before the notice (when notice could still be given the
    # next month, as if none were planned); the full rows show it for every contract.
    pick: slice | np.ndarray = ALL
    if not full:
        pick = np.flatnonzero(allowed[:, :, 0].any(axis=0))
        if pick.size == allowed.shape[1]:
            pick = ALL
    # Running out without the notice: what the schedule would leave if no notice were planned
    # (the schedule as given where there is none, so the same figures there)
    run_out = from_a
    if given.any():
        days_to_end = np.clip(
            np.minimum(end + 1, month_next) - np.maximum(start, month_first), 0, None
        )
        whole_term = np.sum(daily_fee * days_to_end, axis=2, keepdims=True)
        run_out = np.where(given, whole_term - to_a, from_a)
    d = np.maximum(a, earliest[:, pick])
    early = (d + notice_days[:, pick]) <= end[:, pick]
    service_ends = np.minimum(d + notice_days[:, pick], end[:, pick] + 1)
    to_end = fees_before(service_ends, pick=pick)
    window = to_end - to_a[:, pick]
    fee = np.where(early, termination_fee[:, pick], 0.0)
    exit_now = np.minimum(window + fee, run_out[:, pick])
    # the notice counts from the end of the month it is given in (grid column), not before
    notice_column = np.searchsorted(starts, np.nan_to_num(notice[:, :, 0], nan=np.inf), "right") - 1
    noticed = given & (np.arange(count) >= notice_column[:, :, None])
    if isinstance(pick, slice):
        obligation = np.where(noticed, with_notice, np.where(allowed, exit_now, from_a))
    else:
        # the others' exit cost is never read: they have no option
        otherwise = from_a.copy()
        otherwise[:, pick] = np.where(allowed[:, pick], exit_now, from_a[:, pick])
        obligation = np.where(noticed, with_notice, otherwise)
    if not simple_payments:
        obligation = np.where(simple, obligation, _still_to_pay(p, obligation, payable, prepaid))

    # the rate of the contract's currency in each month (1 in the reporting currency), from
    # the horizon's first month (work column h0 + 1)
    fx = column("fx.rate") * np.power(
        1.0 + column("fx.change"), np.arange(count, dtype=np.float64) - (h0 + 1)
    )
    foreign = (column("fx.rate") != 1.0) | (column("fx.change") != 0.0)

    def converted(values: np.ndarray) -> np.ndarray:
        """Native amounts at the rate of the month they fall in (as they are where the
        currency is the reporting one: x 1.0 is exact, but costs a pass)."""
        return values * fx if foreign.any() else values

    gpu_contract = gpus > 0
    fx_loss = np.zeros_like(committed)  # (none in the reporting currency)
    if foreign.any():
        # the native balances whose value moves with the rate: owed less owed to the contract
        exposure = payable - credits - prepaid
        fx_loss = np.zeros_like(exposure)
        fx_loss[:, :, 1:] = exposure[:, :, :-1] * np.diff(fx, axis=2)
    rows = {
        "fees": converted(committed),
        "capacity_tokens": capacity,
        "available_tokens": available,
        "gpu_hours": gpu_days * HOURS_A_DAY,
        # GPUs available to serve, on average over the month
        "available_gpus": gpu_days / days_in_month * uptime,
        "sla_credits": converted(credits),
        # fees of GPU contracts, less their credits: what GPU-hours cost (cost_per_gpu_hour)
        "gpu_fees": converted(np.where(gpu_contract, committed - credits, 0.0)),
        # fees incurred and not yet paid at the month's end (less fees paid ahead)
        "fees_payable": converted(payable),
        "prepaid_fees": converted(prepaid),
        "fx_loss": fx_loss,
        "fees_paid": converted(paid),
        "termination_fee": converted(charge),
        "obligation": converted(obligation),
        "last_service_day": last_day[:, :, 0],
        "fees_after_horizon": converted(committed)[:, :, h0 + months + 1 :].sum(axis=2),
        "notice_given": given[:, :, 0],
        "ends_early": terminated[:, :, 0],
        "first_day_without_service": stop[:, :, 0],
    }
    rows["exit_cost_now"] = rows["obligation"][:, :, h0]
    if not full:
        return _cut(rows, lead, count)
    deadline = a - notice_days
    deadline = np.where(allowed & (deadline >= earliest), deadline, np.nan)
    # the Contracts sheet's rows: native amounts, with the rate that converts them
    full_rows = {
        "contract_month": k,
        "escalation": escalation,
        "ramp": ramp,
        "full_month_fee": full_fee,
        "service_days": days,
        "daily_fee": daily_fee,
        "service_fees": service_fees,
        "capacity_tokens": capacity,
        "available_tokens": available,
        "sla_credits": credits,
        "termination_fee": charge,
        "prepayment_forfeited": forfeited,
        "fees": committed,
        "fees_paid": paid,
        "fees_payable": payable,
        "prepaid_fees": prepaid,
        "fx_rate": np.broadcast_to(fx, k.shape),
        "service_fees_to_date": cumulative[:, :, h0 + 1 :] - cumulative[:, :, h0 : h0 + 1],
        "notice_day": np.broadcast_to(a, k.shape),
        "notice_from": d,
        "service_ends": service_ends,
        "service_end_month": month_of(service_ends)[1] - h0,
        "fees_before_service_ends": to_end - cumulative[:, :, h0 : h0 + 1],
        "fees_left": from_a,
        "exit_cost": exit_now,
        "termination_fee_to_come": pending_fee,
        "obligation": obligation,
        "notice_deadline": deadline,
    }
    return _cut(full_rows, lead, count)


def _cut(rows: dict[str, np.ndarray], lead: int, count: int) -> dict[str, np.ndarray]:
    """The rows of the work grid (`count` months) without its first `lead` months."""
    if not lead:
        return rows
    return {
        name: values[..., lead:] if values.ndim == 3 and values.shape[2] == count else values
        for name, values in rows.items()
    }


def _still_to_pay(
    p: dict[str, np.ndarray], owed: np.ndarray, payable: np.ndarray, prepaid: np.ndarray
) -> np.ndarray:
    """The remaining obligation of a contract billed ahead or prepaid: what it owes (`owed`,
    the fees for service after the month and any termination fee) less what is already paid
    for it: fees billed ahead (a negative payable; never refunded, so at most what is owed)
    and the prepayment not yet credited (what exceeds the rest is forfeited, 0 owed, or with
    `refundable` comes back: a negative obligation)."""
    ahead = np.maximum(-payable, 0.0)
    left = np.maximum(owed - ahead, 0.0) - prepaid
    refundable = p["prepayment.refundable"][:, :, None] == 1.0
    return np.where(refundable, left, np.maximum(left, 0.0))


def _payments(
    p: dict[str, np.ndarray],
    k: np.ndarray,
    service_fees: np.ndarray,
    charge: np.ndarray,
    last_day: np.ndarray,
    starts: np.ndarray,
    arrears: np.ndarray,
    billing: np.ndarray,
    edge: tuple[int, int, int],
) -> dict[str, np.ndarray]:
    """Payments by billing period, less a prepayment: each (depth, contracts, G).

    `paid`: cash paid in the month before SLA credits (the prepayment in its month, each
    payment less what the prepayment covers, a refund as a negative payment); `payable`: fees
    incurred less fees paid to date, gross of credits and prepayment (negative when billed
    ahead); `prepaid`: the prepayment not yet credited at the month's end; `forfeited`: the
    unused prepayment charged in the last month of service (not refundable).

    A billing period of B contract months is paid in its first month (advance) or in the month
    after its last month in service (arrears); the termination fee and a forfeited prepayment
    are paid in their month (advance) or the month after (arrears).
    """
    count = service_fees.shape[2]
    cols = np.arange(count)
    shape = service_fees.shape
    # fees before each column, and between two columns (inclusive)
    before = np.concatenate([np.zeros(edge), np.cumsum(service_fees, axis=2)], axis=2)

    def fees_between(first: np.ndarray, last: np.ndarray) -> np.ndarray:
        low = np.broadcast_to(np.clip(first, 0, count), shape).astype(np.int64)
        high = np.broadcast_to(np.clip(last + 1, 0, count), shape).astype(np.int64)
        return np.maximum(_along_last_axis(before, high) - _along_last_axis(before, low), 0.0)

    last_col = np.searchsorted(starts, last_day[:, :, 0], side="right") - 1  # (depth, contracts)
    k_last = k[:, :, :1] + last_col[:, :, None]  # contract month of the last day of service
    in_term = (k >= 0) & (k <= k_last)
    month = np.maximum(k, 0).astype(np.float64)
    offset = np.mod(month, billing)  # months since the billing period's first
    period_end = np.minimum(month - offset + billing - 1, k_last)  # its last month in service
    advance_bill = np.where(
        in_term & (offset == 0), fees_between(cols - 0, cols + period_end - month), 0.0
    )
    due = np.where(in_term & (month == period_end), fees_between(cols - offset, cols), 0.0)

    def next_month(values: np.ndarray) -> np.ndarray:
        return np.concatenate([np.zeros(edge), values[:, :, :-1]], axis=2)

    def settled(values: np.ndarray) -> np.ndarray:
        """Paid in its month (advance) or the month after (arrears)."""
        return np.where(arrears, next_month(values), values)

    gross = np.where(arrears, next_month(due), advance_bill) + settled(charge)

    amount = p["prepayment.amount"][:, :, None]
    paid_on = np.nan_to_num(p["prepayment.paid"], nan=starts[0])
    paid_col = (np.searchsorted(starts, paid_on, side="right") - 1)[:, :, None]
    prepay = np.where((cols == paid_col) & (amount > 0), amount, 0.0)
    eligible = np.where(cols >= paid_col, gross, 0.0)
    to_date = np.cumsum(eligible, axis=2)
    pro_rata = p["prepayment.applied"][:, :, None] == 1.0
    total = to_date[:, :, -1:]
    ratio = np.divide(np.minimum(amount, total), total, out=np.zeros_like(total), where=total > 0)
    covered = np.minimum(amount, to_date)
    first_rule = np.diff(covered, axis=2, prepend=0.0)
    applied = np.where(pro_rata, eligible * ratio, first_rule)
    unused = np.maximum(amount - applied.sum(axis=2, keepdims=True), 0.0)
    at_end = cols == last_col[:, :, None]
    refundable = p["prepayment.refundable"][:, :, None] == 1.0
    forfeited = np.where(at_end & ~refundable, unused, 0.0)
    # a forfeited remainder is paid from the prepayment: a charge and its credit, no cash
    settle_forfeit = settled(forfeited)
    refund = np.where(refundable, settled(np.where(at_end, unused, 0.0)), 0.0)
    gross = gross + settle_forfeit
    applied = applied + settle_forfeit
    committed = service_fees + charge + forfeited
    return {
        "paid": gross - applied + prepay - refund,
        "payable": np.cumsum(committed - gross, axis=2),
        "prepaid": np.cumsum(prepay - applied - refund, axis=2),
        "forfeited": forfeited,
    }


def _lead(p: dict[str, np.ndarray], grid: MonthGrid) -> int:
    """Months before `grid` that the schedule must start from: back to the start (or the
    prepayment) of each contract billed over several months or prepaid, when earlier."""
    needs = (p["payment.every_months"] > 1) | (p["prepayment.amount"] > 0)
    if not needs.any():
        return 0
    paid = p["prepayment.paid"]
    first = np.fmin(p["start"], np.where(p["prepayment.amount"] > 0, paid, np.nan))
    earliest = int(months_of_days(first[needs]).min())
    return max(0, grid.first - earliest)
