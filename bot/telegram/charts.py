"""The insights chart: how two partners answered the 1–5 scale questions, dimension by dimension.

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
from functools import lru_cache

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties, findfont, get_font
from matplotlib.patches import Patch

from bot.domain.deps import ChartLabels, DimensionStat

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

# Fixed margins (fractions of the figure), so the size and layout never depend on the texts:
# dimension names on the left, the gap column on the right, title and legend on top.
_LEFT, _RIGHT, _BOTTOM, _TOP = 0.25, 0.85, 0.07, 0.83
_LABEL_WIDTH = 28  # characters per line of a dimension name before it wraps
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
) -> bytes:
    """Draw the insights chart and return it as PNG bytes of exactly :data:`CHART_SIZE_PX`.

    A horizontal grouped-bar chart, one row per item of ``stats`` (first at the top): this
    partner's bar (labelled ``me`` in the legend) and the other's (``partner``) on a 1–5 axis,
    and the row's gap at the right, written with ``gap_label`` as a format string taking
    ``gap`` (e.g. ``"gap {gap:.1f}"``). A row where both averages are ``None`` shows
    ``no_data_label`` in grey instead of bars; a row with one ``None`` shows the other bar.

    All texts are shown literally (a ``$`` never starts mathtext) and may hold any Unicode;
    characters the default font (DejaVu Sans) lacks, such as emoji, are drawn as a box ``□``
    without a warning. Long dimension names wrap, long partner names are shortened.

    Raises:
        ValueError: an average outside 1–5, a gap outside 0–4, or a NaN (a caller's bug).
        KeyError, IndexError, ValueError: ``gap_label`` is not a valid format for ``gap``.
    """
    for stat in stats:
        _check(stat)
    me, partner, title = _drawable(me), _drawable(partner), _drawable(title)
    gap_label, no_data_label = _drawable(gap_label), _drawable(no_data_label)
    width_px, height_px = CHART_SIZE_PX
    fig = Figure(figsize=(width_px / _DPI, height_px / _DPI), dpi=_DPI, facecolor="white")
    FigureCanvasAgg(fig)  # attaches itself to the figure; no pyplot, no global backend
    fig.subplots_adjust(left=_LEFT, right=_RIGHT, bottom=_BOTTOM, top=_TOP)
    ax = fig.add_subplot()

    rows = len(stats)
    font = 11 if rows <= 12 else 9 if rows <= 20 else 7
    max_lines = 2 if rows <= 14 else 1
    bar = 0.38  # each bar's thickness; a row is 1.0 high

    ax.set_xlim(0, _SCALE_MAX)
    ax.set_xticks([1, 2, 3, 4, 5])
    ax.tick_params(axis="x", labelsize=10, colors=_MUTED, length=0)
    # First stat at the top; a few rows keep the height of six rather than growing fat.
    ax.set_ylim(max(rows, _MIN_ROWS) - 0.5, -0.5)
    ax.set_yticks([])
    ax.grid(axis="x", color=_GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    ax.spines["bottom"].set_color(_GRID)

    label_place = ax.get_yaxis_transform()  # x in axes fractions, y in rows
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
        if stat.mine is None and stat.theirs is None:
            ax.text(
                0.1,
                row,
                no_data_label,
                ha="left",
                va="center",
                fontsize=font,
                color=_MUTED,
                style="italic",
                parse_math=False,
            )
            continue
        if stat.mine is not None:
            ax.barh(row - bar / 2, stat.mine, height=bar, color=_MINE_COLOUR)
        if stat.theirs is not None:
            ax.barh(row + bar / 2, stat.theirs, height=bar, color=_THEIRS_COLOUR)
        if stat.gap is not None:
            ax.text(
                1.03,
                row,
                gap_label.format(gap=stat.gap),
                transform=label_place,
                ha="left",
                va="center",
                fontsize=font,
                color="#444444",
                parse_math=False,
            )
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

    fig.suptitle(title, x=0.5, y=0.965, fontsize=15, parse_math=False)
    legend = fig.legend(
        handles=[
            Patch(color=_MINE_COLOUR, label=_shorten(me, _NAME_WIDTH)),
            Patch(color=_THEIRS_COLOUR, label=_shorten(partner, _NAME_WIDTH)),
        ],
        loc="upper center",
        bbox_to_anchor=(0.5, 0.915),
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
    )


def _check(stat: DimensionStat) -> None:
    """Refuse values the chart cannot mean: averages outside 1–5, gaps outside 0–4, NaN."""
    for name, value, low, high in (
        ("mine", stat.mine, _SCALE_MIN, _SCALE_MAX),
        ("theirs", stat.theirs, _SCALE_MIN, _SCALE_MAX),
        ("gap", stat.gap, 0.0, _GAP_MAX),
    ):
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
