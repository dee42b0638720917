"""The insights chart renders a fixed-size PNG, whatever the names, labels and values."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from bot.domain.deps import DimensionStat, TrendPoint
from bot.domain.messages import Message
from bot.telegram.charts import (
    CHART_SIZE_PX,
    TREND_COLUMN_PX,
    render_insights_chart,
)

GAP = "{gap:.1f}"
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def trend(*values: tuple[int, int]) -> tuple[TrendPoint, ...]:
    return tuple(
        TrendPoint(T0 + timedelta(days=91 * n), mine, theirs)
        for n, (mine, theirs) in enumerate(values)
    )


def mixed_stats() -> list[DimensionStat]:
    """Twelve dimensions: full rows, empty rows, rows with one side only, rows with only a
    taste gap or only an agreement figure, trends of two, three and one point."""
    stats: list[DimensionStat] = []
    for index in range(12):
        label = f"Dimension {index}"
        if index % 4 == 3:
            stats.append(DimensionStat(label, None, None, None))
        elif index == 5:
            stats.append(DimensionStat(label, 4.0, None, None, trend=trend((2, 3))))
        elif index == 6:
            stats.append(DimensionStat(label, None, None, 2.5))
        elif index == 9:
            stats.append(DimensionStat(label, None, None, None, 0.0, trend((2, 4), (3, 4))))
        else:
            mine, theirs = 1 + index % 5, 5 - index % 5
            stats.append(
                DimensionStat(
                    label,
                    mine,
                    theirs,
                    abs(mine - theirs) / 2,
                    1.5 if index % 2 else None,
                    trend((mine, theirs), (theirs, mine), (3, 3)) if index < 3 else (),
                )
            )
    return stats


def render(stats: list[DimensionStat], me: str = "Alex", partner: str = "Sam") -> bytes:
    return render_insights_chart(
        stats,
        me=me,
        partner=partner,
        title="How you two see things",
        gap_label=GAP,
        no_data_label="no answers yet",
        levels_label="How much of it each of you reported: 1 less, 5 more",
        preferences_label="Taste: how far apart",
        seen_label="Who gives: seen apart by",
        trend_label="Asked every few months",
    )


def decode(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def test_chart_is_exactly_the_promised_size_and_not_blank() -> None:
    png = render(mixed_stats())
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    image = decode(png)
    assert image.format == "PNG"
    assert image.size == CHART_SIZE_PX == (1000, 700)
    colours = image.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 10  # bars, texts and antialiasing
    # Both bar colours are drawn (Okabe-Ito blue and orange).
    present = {rgb for _, rgb in colours}
    assert (0x00, 0x72, 0xB2) in present and (0xE6, 0x9F, 0x00) in present


def colours_in(png: bytes, left: int, right: int) -> set[object]:
    """The colours drawn between two x positions (pixels)."""
    image = decode(png).convert("RGB")
    part = image.crop((left, 0, right, image.size[1]))
    found = part.getcolors(maxcolors=1_000_000)
    assert found is not None
    return {rgb for _, rgb in found}


def test_trend_lines_are_drawn_only_where_a_dimension_has_two_answers() -> None:
    blue, orange = (0x00, 0x72, 0xB2), (0xE6, 0x9F, 0x00)
    left, right = TREND_COLUMN_PX
    with_trend = render([DimensionStat("Trust", 3.0, 4.0, None, None, trend((2, 3), (4, 3)))])
    assert {blue, orange} <= colours_in(with_trend, left, right)
    one_point = render([DimensionStat("Trust", 3.0, 4.0, None, None, trend((2, 3)))])
    assert not {blue, orange} & colours_in(one_point, left, right)


def test_chart_with_no_data_or_no_rows_still_renders() -> None:
    empty_rows = [DimensionStat("Money", None, None, None)] * 3
    for stats in (empty_rows, []):
        assert decode(render(stats)).size == CHART_SIZE_PX


@pytest.mark.parametrize(
    ("me", "partner", "label"),
    [
        ("Алекс", "Саша", "Общение и доверие"),
        ("Sam 🦊", "🙂🙂🙂", "Family 👪"),
        ("$x$", "a $ b_c ^ {", r"\frac{1}{2} $5"),  # never parsed as mathtext
        ("A" * 300, "\n\t", "word " * 80),
    ],
)
def test_any_unicode_in_names_and_labels_renders(me: str, partner: str, label: str) -> None:
    stats = [DimensionStat(label, 3.2, 4.5, 1.3), DimensionStat(label, None, None, None)]
    assert decode(render(stats, me, partner)).size == CHART_SIZE_PX


async def test_renders_concurrently_in_worker_threads() -> None:
    stats = [DimensionStat("Семья 👨‍👩‍👧", 2.0, 5.0, 3.0), *mixed_stats()]
    pngs = await asyncio.gather(
        *(asyncio.to_thread(render, stats, f"Alex {n} 🦊", "Саша 🙂") for n in range(6))
    )
    assert {decode(png).size for png in pngs} == {CHART_SIZE_PX}


def test_values_outside_the_scale_are_refused() -> None:
    for bad in (
        DimensionStat("x", 0.5, 3.0, 1.0),
        DimensionStat("x", 3.0, 5.5, 1.0),
        DimensionStat("x", 3.0, 3.0, 4.5),
        DimensionStat("x", float("nan"), 3.0, 0.0),
        DimensionStat("x", 3.0, 3.0, 1.0, -0.5),
        DimensionStat("x", 3.0, 3.0, None, None, trend((3, 3), (6, 3))),
        DimensionStat("x", None, None, None, None, trend((0, 3), (3, 3))),
    ):
        with pytest.raises(ValueError):
            render([bad])


def test_message_repr_does_not_dump_the_photo() -> None:
    assert "photo" not in repr(Message(1, "hi", photo=b"\x89PNG" * 1000))
