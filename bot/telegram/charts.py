"""The insights chart: how two partners answered, dimension by dimension, like with like.

Pure drawing: no Telegram, no database, no global matplotlib state. It uses matplotlib's
object-oriented API with the Agg canvas (never ``pyplot``), so it can run in a worker thread,
e.g. ``await asyncio.to_thread(render_chart, ...)``. It lives in the adapter because
matplotlib is no business of the domain, which is handed :func:`render_chart`. Every text
comes in as an argument (already translated); nothing in here is user-facing wording.
"""

from __future__ import annotations

import io
import math
import textwrap
import unicodedata
import warnings
from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont, get_font
from matplotlib.patches import Patch
from matplotlib.transforms import blended_transform_factory

from bot.domain.deps import ChartLabels, DimensionStat, TrendPoint

#: The PNG's size in pixels (width, height): ``figsize`` (10, 7) inches at 100 dpi.
CHART_SIZE_PX: tuple[int, int] = (1000, 700)

_DPI = 100
_SCALE_MIN, _SCALE_MAX = 1.0, 5.0
_GAP_MAX = _SCALE_MAX - _SCALE_MIN

# Okabe–Ito blue and orange: distinguishable with every common colour-vision deficiency.
_MINE_COLOUR = "#0072B2"
_THEIRS_COLOUR = "#E69F00"
_MUTED = "#777777"
_GRID = "#DDDDDD"
_DASH = "\u2013"  # EN DASH: a column's figure where there is none

# Fixed places (fractions of the figure), so the size and layout never depend on the texts:
# dimension names on the left, the bars, two columns of figures, the trend lines on the right;
# title, legend and the columns' headings on top.
_LEFT, _BARS_RIGHT, _BOTTOM, _TOP = 0.215, 0.56, 0.05, 0.78
_PREFERENCES_X, _SEEN_X = 0.625, 0.725
_TREND_LEFT, _TREND_RIGHT = 0.79, 0.975
_HEAD_Y = 0.84
#: Where the trend lines are drawn: the x range in pixels (left, right) of the right-hand part.
TREND_COLUMN_PX: tuple[int, int] = (
    round(_TREND_LEFT * CHART_SIZE_PX[0]),
    round(_TREND_RIGHT * CHART_SIZE_PX[0]),
)
_LABEL_WIDTH = 26  # characters per line of a dimension name before it wraps
_HEAD_WIDTH = 12  # characters per line of a column's heading
_NAME_WIDTH = 32  # characters of a partner's name shown in the legend
_MIN_ROWS = 6  # rows' height is that of at least this many
_MISSING = "\u25a1"  # WHITE SQUARE, drawn for a character the font lacks


def render_insights_chart(
    stats: Sequence[DimensionStat],
    *,
    me: str,
    partner: str,
    title: str,
    gap_label: str,
    no_data_label: str,
    levels_label: str = "",
    preferences_label: str = "",
    seen_label: str = "",
    trend_label: str = "",
) -> bytes:
    """Draw the insights chart and return it as PNG bytes of exactly :data:`CHART_SIZE_PX`.

    One row per item of ``stats`` (first at the top), in four parts, each headed by its label:
    this partner's bar (``me`` in the legend) and the other's (``partner``) on a 1–5 axis
    (``levels_label``); the row's ``preferences`` and ``seen_apart`` written with ``gap_label``,
    a format string taking ``gap`` (e.g. ``"{gap:.1f}"``), or a dash where None
    (``preferences_label``, ``seen_label``); and the row's ``trend`` as two small lines, both
    partners' answers on one time axis shared by all rows, where it has at least two points
    (``trend_label``). A row with no figure at all shows ``no_data_label`` in grey; a row with
    one average shows that bar.

    All texts are shown literally (a ``$`` never starts mathtext) and may hold any Unicode;
    characters the default font (DejaVu Sans) lacks, such as emoji, are drawn as a box ``□``
    without a warning. Long dimension names and headings wrap, long partner names are shortened.

    Raises:
        ValueError: an average or trend answer outside 1–5, a gap outside 0–4, or a NaN (a
            caller's bug).
        KeyError, IndexError, ValueError: ``gap_label`` is not a valid format for ``gap``.
    """
    for stat in stats:
        _check(stat)
    me, partner, title = _drawable(me), _drawable(partner), _drawable(title)
    gap_label, no_data_label = _drawable(gap_label), _drawable(no_data_label)
    width_px, height_px = CHART_SIZE_PX
    fig = Figure(figsize=(width_px / _DPI, height_px / _DPI), dpi=_DPI, facecolor="white")
    FigureCanvasAgg(fig)  # attaches itself to the figure; no pyplot, no global backend
    ax = fig.add_axes((_LEFT, _BOTTOM, _BARS_RIGHT - _LEFT, _TOP - _BOTTOM))
    trend_ax = fig.add_axes((_TREND_LEFT, _BOTTOM, _TREND_RIGHT - _TREND_LEFT, _TOP - _BOTTOM))

    rows = len(stats)
    font = 11 if rows <= 12 else 9 if rows <= 20 else 7
    max_lines = 2 if rows <= 14 else 1
    _frame(ax, trend_ax, rows)

    label_place = ax.get_yaxis_transform()  # x in axes fractions, y in rows
    column_place = blended_transform_factory(fig.transFigure, ax.transData)
    for row, stat in enumerate(stats):
        ax.text(
            -0.02,
            row,
            _wrap(_drawable(stat.label), _LABEL_WIDTH, max_lines),
            transform=label_place,
            ha="right",
            va="center",
            fontsize=font,
            color="#222222",
            parse_math=False,
        )
        bars = stat.mine is not None or stat.theirs is not None
        empty = not bars and stat.preferences is None and stat.seen_apart is None
        empty = empty and len(stat.trend) < 2
        if not bars:
            _muted(ax, 0.1, row, no_data_label if empty else _DASH, font, italic=empty)
        bar = 0.38  # each bar's thickness; a row is 1.0 high
        if stat.mine is not None:
            ax.barh(row - bar / 2, stat.mine, height=bar, color=_MINE_COLOUR)
        if stat.theirs is not None:
            ax.barh(row + bar / 2, stat.theirs, height=bar, color=_THEIRS_COLOUR)
        if empty:
            continue
        for x, value in ((_PREFERENCES_X, stat.preferences), (_SEEN_X, stat.seen_apart)):
            shown = _DASH if value is None else gap_label.format(gap=value)
            ax.text(
                x,
                row,
                shown,
                transform=column_place,
                ha="center",
                va="center",
                fontsize=font,
                color="#444444" if value is not None else _MUTED,
                parse_math=False,
            )
    _trends(trend_ax, stats, font)
    if not stats:
        ax.text(
            0.5,
            0.5,
            no_data_label,
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=12,
            color=_MUTED,
            style="italic",
            parse_math=False,
        )
    _headings(fig, levels_label, preferences_label, seen_label, trend_label)
    fig.suptitle(title, x=0.5, y=0.965, fontsize=15, parse_math=False)
    legend = fig.legend(
        handles=[
            Patch(color=_MINE_COLOUR, label=_shorten(me, _NAME_WIDTH)),
            Patch(color=_THEIRS_COLOUR, label=_shorten(partner, _NAME_WIDTH)),
        ],
        loc="upper center",
        bbox_to_anchor=(0.5, 0.925),
        ncols=2,
        frameon=False,
        fontsize=11,
    )
    for text in legend.get_texts():
        text.set_parse_math(False)

    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # A backstop: _drawable already replaced what the regular font lacks, but the italic
        # or a changed default font may lack more. (catch_warnings swaps the process-wide
        # filters, so it is not thread-safe before Python 3.14: better not to rely on it.)
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from", category=UserWarning)
        fig.savefig(buffer, format="png", dpi=_DPI, facecolor="white")
    return buffer.getvalue()


def render_chart(stats: Sequence[DimensionStat], labels: ChartLabels) -> bytes:
    """The insights chart with the words of ``labels`` (the domain's
    :data:`~bot.domain.deps.ChartRenderer`): see :func:`render_insights_chart`."""
    return render_insights_chart(
        stats,
        me=labels.me,
        partner=labels.partner,
        title=labels.title,
        gap_label=labels.gap,
        no_data_label=labels.no_data,
        levels_label=labels.levels,
        preferences_label=labels.preferences,
        seen_label=labels.seen_apart,
        trend_label=labels.trend,
    )


def _frame(ax: Axes, trend_ax: Axes, rows: int) -> None:
    """The bars' 1–5 axis and the trend column's frame, rows from the top; a few rows keep
    the height of six rather than growing fat."""
    ax.set_xlim(0, _SCALE_MAX)
    ax.set_xticks([1, 2, 3, 4, 5])
    ax.tick_params(axis="x", labelsize=10, colors=_MUTED, length=0)
    for axes in (ax, trend_ax):
        axes.set_ylim(max(rows, _MIN_ROWS) - 0.5, -0.5)
        axes.set_yticks([])
        for side in ("top", "right", "left"):
            axes.spines[side].set_visible(False)
        axes.spines["bottom"].set_color(_GRID)
    ax.grid(axis="x", color=_GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    trend_ax.set_xlim(0, 1)
    trend_ax.set_xticks([])
    trend_ax.spines["bottom"].set_visible(False)


def _trends(ax: Axes, stats: Sequence[DimensionStat], font: int) -> None:
    """Each row's trend as two lines inside the row's band (1 at its foot, 5 at its head) on
    one time axis for all rows; a dash where a row has fewer than two points."""
    instants = [p.at for stat in stats if len(stat.trend) >= 2 for p in stat.trend]
    first, last = (min(instants), max(instants)) if instants else (None, None)
    for row, stat in enumerate(stats):
        if len(stat.trend) < 2:
            if _has_figures(stat):
                _muted(ax, 0.5, row, _DASH, font, centred=True)
            continue
        xs = [_when(p, index, len(stat.trend), first, last) for index, p in enumerate(stat.trend)]
        ax.axhline(row + 0.32, color=_GRID, linewidth=0.6, xmin=0.04, xmax=0.96)
        # The other's line first and wider, so where both answered alike both stay visible.
        for values, colour, marker, width in (
            ([p.theirs for p in stat.trend], _THEIRS_COLOUR, "s", 2.6),
            ([p.mine for p in stat.trend], _MINE_COLOUR, "o", 1.3),
        ):
            ys = [row + 0.32 - (v - _SCALE_MIN) / _GAP_MAX * 0.64 for v in values]
            ax.plot(xs, ys, color=colour, marker=marker, markersize=3.5, linewidth=width)


def _has_figures(stat: DimensionStat) -> bool:
    """Whether the row shows any figure (then an empty part shows a dash, not nothing)."""
    return any(
        value is not None for value in (stat.mine, stat.theirs, stat.preferences, stat.seen_apart)
    )


def _when(
    point: TrendPoint, index: int, count: int, first: datetime | None, last: datetime | None
) -> float:
    """Where ``point`` sits on the shared time axis (0.08–0.92); evenly by order when all
    points share one instant."""
    if first is None or last is None or last <= first:
        return 0.08 + 0.84 * index / max(count - 1, 1)
    return 0.08 + 0.84 * (point.at - first) / (last - first)


def _headings(fig: Figure, levels: str, preferences: str, seen: str, trend: str) -> None:
    """The four parts' headings above them, wrapped to their width."""
    for x, text, width in (
        ((_LEFT + _BARS_RIGHT) / 2, levels, 60),
        (_PREFERENCES_X, preferences, _HEAD_WIDTH),
        (_SEEN_X, seen, _HEAD_WIDTH),
        ((_TREND_LEFT + _TREND_RIGHT) / 2, trend, 24),
    ):
        if text:
            fig.text(
                x,
                _HEAD_Y,
                _wrap(_drawable(text), width, 3),
                ha="center",
                va="top",
                fontsize=9,
                color="#444444",
                parse_math=False,
            )


def _muted(
    ax: Axes,
    x: float,
    row: float,
    text: str,
    font: int,
    *,
    italic: bool = False,
    centred: bool = False,
) -> None:
    """A grey note at ``x`` (data units of ``ax``) in ``row``."""
    ax.text(
        x,
        row,
        text,
        ha="center" if centred else "left",
        va="center",
        fontsize=font,
        color=_MUTED,
        style="italic" if italic else "normal",
        parse_math=False,
    )


def _check(stat: DimensionStat) -> None:
    """Refuse values the chart cannot mean: averages and trend answers outside 1–5, gaps
    outside 0–4, NaN."""
    values = [
        ("mine", stat.mine, _SCALE_MIN, _SCALE_MAX),
        ("theirs", stat.theirs, _SCALE_MIN, _SCALE_MAX),
        ("preferences", stat.preferences, 0.0, _GAP_MAX),
        ("seen_apart", stat.seen_apart, 0.0, _GAP_MAX),
    ]
    for point in stat.trend:
        values += [
            ("trend", float(point.mine), _SCALE_MIN, _SCALE_MAX),
            ("trend", float(point.theirs), _SCALE_MIN, _SCALE_MAX),
        ]
    for name, value, low, high in values:
        if value is not None and (math.isnan(value) or not low <= value <= high):
            raise ValueError(f"{name}={value!r} is outside {low:g}–{high:g}")


def _drawable(text: str) -> str:
    """``text`` with every character the default font cannot draw replaced by a box, so
    rendering never warns about a missing glyph (and from any thread)."""
    return "".join(char if _has_glyph(char) else _MISSING for char in text)


@lru_cache(maxsize=4096)
def _has_glyph(char: str) -> bool:
    """Whether the default font has ``char`` (control characters such as a line break count
    as drawable: matplotlib lays them out itself)."""
    if unicodedata.category(char) == "Cc":
        return True
    font = get_font(findfont(FontProperties()))
    return font.get_char_index(ord(char)) != 0


def _shorten(text: str, width: int) -> str:
    """``text`` on one line, cut to ``width`` characters with an ellipsis if longer."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1].rstrip() + "…"


def _wrap(text: str, width: int, max_lines: int) -> str:
    """``text`` wrapped to lines of ``width`` characters, at most ``max_lines`` of them."""
    lines = textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False) or [""]
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], _shorten(" ".join(lines[max_lines - 1 :]), width)]
    return "\n".join(lines)
