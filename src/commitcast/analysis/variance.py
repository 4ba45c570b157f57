"""Plan against actual: the variance report of the monthly close.

For each closed month (or period: quarter, year, fiscal quarter, fiscal year) and each figure
the actuals give, the plan's figure, the actual one, the variance (actual - plan), the variance
as a share of |plan| (undefined where the plan shows as zero, $0.00 or 0.0%) and whether it is
favourable: by the figure's sense in the measures registry (more revenue is favourable, more
cost is not, a neutral figure is neither). Year-to-date and fiscal-year-to-date totals are as
of the last closed month.

Which figures:

- the company figures given (`revenue`, `committed_fees`, ...);
- company figures recomputed from the per-item actuals when not given themselves (`revenue`
  from the streams' revenue, `committed_fees` from the contracts' fees, `demand_tokens` from the
  streams' tokens, and from that demand served, overflow and unserved tokens by the usual
  rules), and the derived figures (margin, margin %, utilization, idle capacity cost, net and
  cumulative cash) recomputed from the month's figures, actual where given and as planned
  where not (docs/conventions.md, "Actuals in closed months"), when a figure they are worked
  out from was given;
- each stream's tokens and revenue, each contract's fees, as given.

By quarter or year (calendar or fiscal, labelled by engine.projection.period_label) a flow is
the sum of the period's closed months, a balance (cumulative cash) its last closed month's, a
ratio its totals' ratio. A figure left blank in a month is compared over the months that give
it.

**Revenue split.** For each usage stream whose revenue is given, revenue variance = volume +
price + flat, exactly:

- a stream's tokens (in the actuals file as in the plan) are the tokens it demanded; the split
  works on the tokens it bills: its demand x the month's share of demand served (all of it
  unless demand is left unserved; the actual share is 1 - actual unserved / actual demand), and
  its plan usage revenue is its billed tokens x its price / 1e6 (the company's plan revenue is
  the sum over streams of usage revenue + flat revenue);
- the actual flat revenue is taken as planned (an actuals file gives one revenue per stream; a
  stream with a flat fee and usage is assumed to have billed its flat fee as planned, and the
  rest of its revenue is usage). A stream without a usage price in the plan is all flat;
- volume = (actual tokens - plan tokens) x plan price / 1e6;
- price = actual tokens x (actual price - plan price) / 1e6, actual price = actual usage
  revenue / actual tokens x 1e6 (per million tokens); worked out as actual usage revenue -
  actual tokens x plan price / 1e6, which is the same where there are tokens and keeps usage
  revenue billed without tokens;
- flat = actual flat revenue - plan flat revenue (0 for a stream with usage);
- tokens not given for a month stay as planned (volume 0).

By period each part is the sum of its months; prices are the period's usage revenue over its
tokens.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, cast

import numpy as np

from commitcast.core.display import percent_of
from commitcast.core.measures import MILLION, MONTHLY, Sense, Unit
from commitcast.engine.actuals import check_actuals
from commitcast.engine.projection import Period, Projection, period_label, projection
from commitcast.load.actuals import column_name
from commitcast.model.actuals import Actuals
from commitcast.model.scenario import Scenario
from commitcast.variants.inputs import argument_error

BY = ("month", "quarter", "year", "fiscal-quarter", "fiscal-year")
Assessment = Literal["favourable", "unfavourable", "neutral", "on plan"]
Kind = Literal["given", "recomputed"]

# derived figures and the figures they are worked out from
DERIVED_FROM: dict[str, tuple[str, ...]] = {
    "utilization": ("served_tokens", "capacity_tokens", "training_tokens"),
    "idle_capacity_cost": (
        "served_tokens",
        "capacity_tokens",
        "training_tokens",
        "committed_fees",
        "sla_credits",
    ),
    "gross_margin": ("revenue", "inference_cost"),
    "gross_margin_pct": ("revenue", "inference_cost"),
    "net_cash_flow": ("cash_in", "cash_out"),
    "cumulative_cash": ("cash_in", "cash_out"),
}
# company figures that are sums of per-item figures
ITEM_SUMS = {"revenue": "streams", "committed_fees": "contracts", "demand_tokens": "streams"}
SERVING = ("served_tokens", "overflow_tokens", "unserved_tokens")
# a variance within half a cent (money), half a token or 1e-9 (a ratio) is on plan: float
# noise in figures worked out two ways is never called favourable or unfavourable
ON_PLAN: dict[str, float] = {"money": 0.005, "tokens": 0.5}
ON_PLAN_OTHER = 1e-9


@dataclass(frozen=True)
class Comparison:
    """Plan and actual of one figure over one period (`months` closed months)."""

    plan: float
    actual: float
    sense: Sense
    months: int = 1
    unit: Unit = "money"

    @property
    def variance(self) -> float:
        """actual - plan (a ratio's in points: 0.02 is 2 points)."""
        return self.actual - self.plan

    @property
    def variance_pct(self) -> float | None:
        """variance / |plan|; None when the plan shows as zero in its unit ($0.00, 0.0%), as
        compare's percent (analysis.compare.delta): a percent of what shows as 0 is no figure
        a reader can check."""
        return percent_of(self.variance, self.plan, self.unit)

    @property
    def assessment(self) -> Assessment:
        """favourable or unfavourable by the figure's sense; neutral for a neutral figure;
        on plan when the variance is within half a cent, half a token or 1e-9 (a ratio)."""
        return assess(self.variance, self.sense, self.unit)


def assess(variance: float, sense: Sense, unit: Unit = "money") -> Assessment:
    """A variance favourable or unfavourable by `sense`; neutral for a neutral figure; on
    plan within half a cent (money), half a token (tokens) or 1e-9 (other units)."""
    if abs(variance) <= ON_PLAN.get(unit, ON_PLAN_OTHER):
        return "on plan"
    if sense == "neutral":
        return "neutral"
    better = variance > 0 if sense == "higher" else variance < 0
    return "favourable" if better else "unfavourable"


@dataclass(frozen=True)
class FigureVariance:
    """One figure's comparisons: by period (`Variance.periods`; None where no closed month of
    the period gives it), year to date and fiscal year to date."""

    key: str  # the column as in the actuals file: revenue, revenue.API.tokens, gross_margin
    label: str
    unit: Unit
    sense: Sense
    kind: Kind  # given in the file, or recomputed from the month's figures
    item: str | None  # the stream's or contract's name; None for a company figure
    periods: tuple[Comparison | None, ...]
    ytd: Comparison | None
    fytd: Comparison | None


@dataclass(frozen=True)
class RevenueSplit:
    """A stream's revenue variance over a period split into volume, price and flat (see the
    module); the parts add up to `variance`."""

    plan_tokens: float
    actual_tokens: float
    plan_usage: float  # usage revenue
    actual_usage: float
    plan_flat: float
    actual_flat: float
    volume: float
    price: float
    flat: float
    months: int = 1

    @property
    def plan_revenue(self) -> float:
        return self.plan_usage + self.plan_flat

    @property
    def actual_revenue(self) -> float:
        return self.actual_usage + self.actual_flat

    @property
    def variance(self) -> float:
        return self.actual_revenue - self.plan_revenue

    @property
    def plan_price(self) -> float | None:
        """Plan usage revenue per million tokens (None without tokens)."""
        return self.plan_usage / self.plan_tokens * MILLION if self.plan_tokens else None

    @property
    def actual_price(self) -> float | None:
        """Actual usage revenue per million tokens (None without tokens)."""
        return self.actual_usage / self.actual_tokens * MILLION if self.actual_tokens else None

    @property
    def price_change(self) -> float | None:
        """actual_price - plan_price (None without either)."""
        plan, actual = self.plan_price, self.actual_price
        return None if plan is None or actual is None else actual - plan

    @property
    def price_change_pct(self) -> float | None:
        """price_change / |plan_price| (None where either is, or the plan price shows as 0)."""
        change = self.price_change
        return None if change is None else percent_of(change, self.plan_price, "money")


@dataclass(frozen=True)
class StreamSplit:
    name: str
    periods: tuple[RevenueSplit | None, ...]
    ytd: RevenueSplit | None
    fytd: RevenueSplit | None


@dataclass
class Variance:
    """The variance report (see the module)."""

    scenario: Scenario
    actuals: Actuals
    by: str
    periods: list[str]  # labels of the periods with closed months
    closed_in: list[int]  # how many closed months each period has
    months_in: list[int]  # how many months each period has in the horizon
    figures: list[FigureVariance]
    splits: list[StreamSplit]
    as_of: str  # the last closed month, YYYY-MM
    ytd_label: str  # 2026: the calendar year of the last closed month
    fytd_label: str  # FY2027: its fiscal year
    ytd_months: int  # closed months in the calendar year to date
    fytd_months: int  # closed months in the fiscal year to date
    plan: Projection = field(repr=False)

    @property
    def currency(self) -> str:
        return self.scenario.currency

    def figure(self, key: str) -> FigureVariance:
        for line in self.figures:
            if line.key == key:
                return line
        raise KeyError(f"no figure {key!r} in the variance; figures: {self.keys()}")

    def keys(self) -> list[str]:
        return [line.key for line in self.figures]

    def split(self, stream: str) -> StreamSplit:
        for split in self.splits:
            if split.name == stream:
                return split
        raise KeyError(f"no revenue split for {stream!r}")


def period_of(label: str, by: str, fiscal_year_start_month: int = 1) -> str:
    """The period a month (YYYY-MM) falls in: the month, 2026-Q3, 2026, FY2027-Q1 or FY2027
    (engine.projection.period_label: the one function that names a month's period)."""
    return period_label(label, cast(Period, by), fiscal_year_start_month)


def variance(scenario: Scenario, actuals: Actuals, by: str = "month") -> Variance:
    """Plan (`scenario`) against `actuals` for the closed months, by `by` (month, quarter,
    year, fiscal-quarter or fiscal-year). See the module for the figures.

        result = variance(plan, read_actuals("actuals.csv", plan), "quarter")
        result.figure("revenue").ytd.variance, result.split("API").periods[0].volume
    """
    if by not in BY:
        raise argument_error(
            f"{by!r} is not a period to compare by; use one of: {', '.join(BY)}",
            "by",
            hint="by='month', 'quarter', 'year', 'fiscal-quarter' or 'fiscal-year'",
        )
    check_actuals(scenario, actuals)
    if actuals.closed == 0:
        raise argument_error("no month of the actuals is closed: nothing to compare", "actuals")
    plan = projection(scenario)
    n = actuals.closed
    figures = _Figures(plan, actuals)
    start = scenario.fiscal_year_start_month
    labels = plan.labels[:n]
    period_labels = [period_of(label, by, start) for label in labels]
    periods = list(dict.fromkeys(period_labels))
    groups = [np.array([p == period for p in period_labels]) for period in periods]
    horizon_periods = [period_of(label, by, start) for label in plan.labels]
    last = labels[-1]
    ytd_mask = np.array([label[:4] == last[:4] for label in labels])
    fiscal = [period_of(label, "fiscal-year", start) for label in labels]
    fytd_mask = np.array([f == fiscal[-1] for f in fiscal])

    lines = [
        FigureVariance(
            row.key,
            row.label,
            row.unit,
            row.sense,
            row.kind,
            row.item,
            tuple(row.compare(mask) for mask in groups),
            row.compare(ytd_mask),
            row.compare(fytd_mask),
        )
        for row in figures.rows()
    ]
    splits = [
        StreamSplit(
            name,
            tuple(_sum_split(parts, mask) for mask in groups),
            _sum_split(parts, ytd_mask),
            _sum_split(parts, fytd_mask),
        )
        for name, parts in figures.splits()
    ]
    return Variance(
        scenario=scenario,
        actuals=actuals,
        by=by,
        periods=periods,
        closed_in=[int(mask.sum()) for mask in groups],
        months_in=[horizon_periods.count(period) for period in periods],
        figures=lines,
        splits=splits,
        as_of=last,
        ytd_label=last[:4],
        fytd_label=fiscal[-1],
        ytd_months=int(ytd_mask.sum()),
        fytd_months=int(fytd_mask.sum()),
        plan=plan,
    )


@dataclass
class _Row:
    """One figure's monthly plan and actual over the closed months (NaN: not given), and how
    it aggregates: a flow sums, a balance takes the last month, a ratio divides its parts."""

    key: str
    label: str
    unit: Unit
    sense: Sense
    kind: Kind
    item: str | None
    plan: np.ndarray
    actual: np.ndarray
    aggregation: str = "flow"
    # a ratio's numerator and denominator (plan, actual), month by month
    parts: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None = None
    scale: float = 1.0

    def compare(self, mask: np.ndarray) -> Comparison | None:
        months = mask & ~np.isnan(self.actual)
        count = int(months.sum())
        if not count:
            return None
        if self.aggregation == "balance":
            index = int(np.flatnonzero(months)[-1])
            return Comparison(float(self.plan[index]), float(self.actual[index]), self.sense, count)
        if self.aggregation == "ratio" and self.parts is not None:
            top_p, bottom_p, top_a, bottom_a = (math.fsum(p[months]) for p in self.parts)
            plan = top_p / bottom_p * self.scale if bottom_p else math.nan
            actual = top_a / bottom_a * self.scale if bottom_a else math.nan
            if math.isnan(plan) or math.isnan(actual):
                return None
            return Comparison(plan, actual, self.sense, count, self.unit)
        return Comparison(
            math.fsum(self.plan[months]),
            math.fsum(self.actual[months]),
            self.sense,
            count,
            self.unit,
        )


class _Figures:
    """The closed months' figures, plan and actual, the way the module describes them."""

    def __init__(self, plan: Projection, actuals: Actuals):
        n = actuals.closed
        self.n = n
        self.scenario = plan.scenario
        self.actuals = actuals
        columns = plan.columns
        self.plan = {
            name: np.asarray(values[:n], dtype=np.float64) for name, values in columns.items()
        }
        result = plan.result
        self.result = result
        share = self.plan["served_share"]
        # each stream's plan: the tokens it bills, its price, usage and flat revenue
        self.streams: dict[str, dict[str, np.ndarray]] = {}
        for stream in result.streams:
            tokens = np.asarray(stream.tokens[0][:n], dtype=np.float64)
            price = np.asarray(stream.price[0][:n], dtype=np.float64)
            billed = tokens * share
            usage = billed * price / MILLION
            flat = np.asarray(stream.flat_revenue[0][:n], dtype=np.float64)
            self.streams[stream.name] = {
                "demand": tokens,
                "tokens": billed,
                "price": price,
                "usage": usage,
                "flat": flat,
                "revenue": usage + flat,
            }
        self.contracts = {
            c.name: {"fees": np.asarray(c.fees[0][:n], dtype=np.float64)} for c in result.contracts
        }
        self.given = {name: _array(values) for name, values in actuals.company.items()}
        self.given_streams = {
            name: {figure: _array(values) for figure, values in figures.items()}
            for name, figures in actuals.streams.items()
        }
        self.given_contracts = {
            name: {figure: _array(values) for figure, values in figures.items()}
            for name, figures in actuals.contracts.items()
        }
        self.kinds: dict[str, Kind] = {}
        self.actual = self._effective()

    # -- the month's actual figures: given, recomputed, or as planned -------------------------

    def _effective(self) -> dict[str, np.ndarray]:
        """The closed months as the re-forecast shows them (`engine.actuals.closed_months`:
        one computation for both), and which figures are given or recomputed."""
        from commitcast.engine.actuals import closed_months

        closed = closed_months(self.result, self.scenario, self.actuals)
        actual = {
            name: np.asarray(values, dtype=np.float64) for name, values in closed.columns.items()
        }
        actual["cumulative_cash"] = np.cumsum(actual["net_cash_flow"])
        demand, unserved = actual["demand_tokens"], actual["unserved_tokens"]
        with np.errstate(divide="ignore", invalid="ignore"):
            self.served_share = np.where(demand > 0, 1.0 - unserved / demand, 1.0)
        for name in self.given:
            self.kinds[name] = "given"

        def items_given(group: dict[str, dict[str, np.ndarray]], figure: str) -> np.ndarray:
            found = np.zeros(self.n, dtype=bool)
            for figures in group.values():
                values = figures.get(figure)
                if values is not None:
                    found |= ~np.isnan(values)
            return found

        sums = {
            "revenue": items_given(self.given_streams, "revenue"),
            "committed_fees": items_given(self.given_contracts, "fees"),
            "demand_tokens": items_given(self.given_streams, "tokens"),
        }
        for name, found in sums.items():
            own = self.given.get(name)
            if (found if own is None else found & np.isnan(own)).any():
                self.kinds.setdefault(name, "recomputed")
        changed = sums["demand_tokens"].copy()
        for name in ("demand_tokens", *SERVING):
            if name in self.given:
                changed |= ~np.isnan(self.given[name])
        if changed.any():
            for name in SERVING:
                self.kinds.setdefault(name, "recomputed")
        for name, sources in DERIVED_FROM.items():
            if any(source in self.kinds for source in sources):
                self.kinds[name] = "recomputed"
        return actual

    # -- the rows of the report ---------------------------------------------------------------

    def rows(self) -> list[_Row]:
        rows: list[_Row] = []
        for m in MONTHLY:
            kind = self.kinds.get(m.name)
            if kind is None:
                continue
            actual = self.actual[m.name]
            if kind == "given":
                actual = np.where(np.isnan(self.given[m.name]), np.nan, actual)
            row = _Row(m.name, m.label, m.unit, m.sense, kind, None, self.plan[m.name], actual)
            row.aggregation = m.aggregation
            if m.aggregation == "ratio" and m.ratio_of is not None:
                top, bottom = m.ratio_of
                row.parts = (
                    self.plan[top],
                    self.plan[bottom],
                    self.actual[top],
                    self.actual[bottom],
                )
                row.scale = m.scale
            rows.append(row)
        for name, planned in self.streams.items():
            for figure, unit in (("tokens", "tokens"), ("revenue", "money")):
                values = self.given_streams.get(name, {}).get(figure)
                if values is None:
                    continue
                label = f"{name} {'tokens' if figure == 'tokens' else 'revenue'}"
                key = column_name("revenue", name, figure)
                # a stream's tokens are the tokens it demanded, as the plan's demand
                plan = planned["demand" if figure == "tokens" else figure]
                rows.append(_Row(key, label, unit, "higher", "given", name, plan, values))
        for name, planned in self.contracts.items():
            values = self.given_contracts.get(name, {}).get("fees")
            if values is None:
                continue
            key = column_name("contracts", name, "fees")
            rows.append(
                _Row(key, f"{name} fees", "money", "lower", "given", name, planned["fees"], values)
            )
        return rows

    def splits(self) -> list[tuple[str, dict[str, np.ndarray]]]:
        """Each stream whose revenue is given: its monthly split (see the module)."""
        out: list[tuple[str, dict[str, np.ndarray]]] = []
        streams = {s.name: s for s in self.scenario.revenue}
        for name, planned in self.streams.items():
            given = self.given_streams.get(name, {})
            revenue = given.get("revenue")
            if revenue is None:
                continue
            usage_priced = streams[name].price_per_million_tokens is not None
            # the tokens billed: the tokens demanded x the month's share of demand served
            tokens = _fill(given.get("tokens"), planned["demand"]) * self.served_share
            price = planned["price"]
            if usage_priced:
                actual_flat = planned["flat"]
                actual_usage = revenue - actual_flat
                volume = (tokens - planned["tokens"]) * price / MILLION
                price_part = actual_usage - tokens * price / MILLION
            else:
                actual_flat = revenue
                actual_usage = np.zeros(self.n)
                tokens = np.zeros(self.n)
                volume = np.zeros(self.n)
                price_part = np.zeros(self.n)
            parts = {
                "given": ~np.isnan(revenue),
                "plan_tokens": planned["tokens"] if usage_priced else np.zeros(self.n),
                "actual_tokens": tokens,
                "plan_usage": planned["usage"],
                "actual_usage": actual_usage,
                "plan_flat": planned["flat"],
                "actual_flat": actual_flat,
                "volume": volume,
                "price": price_part,
                "flat": actual_flat - planned["flat"],
            }
            out.append((name, parts))
        return out


def _array(values: Sequence[float | None]) -> np.ndarray:
    return np.array([math.nan if v is None else v for v in values], dtype=np.float64)


def _fill(given: np.ndarray | None, plan: np.ndarray) -> np.ndarray:
    """The given figure where a month gives it, the plan's elsewhere."""
    return plan.copy() if given is None else np.where(np.isnan(given), plan, given)


def _sum_split(parts: dict[str, np.ndarray], mask: np.ndarray) -> RevenueSplit | None:
    months = mask & parts["given"]
    count = int(months.sum())
    if not count:
        return None

    def total(name: str) -> float:
        return math.fsum(parts[name][months])

    return RevenueSplit(
        *(total(name) for name in SPLIT_FIELDS),
        months=count,
    )


SPLIT_FIELDS = (
    "plan_tokens",
    "actual_tokens",
    "plan_usage",
    "actual_usage",
    "plan_flat",
    "actual_flat",
    "volume",
    "price",
    "flat",
)
