"""The insights chart renders a fixed-size PNG, whatever the names, labels and values."""

from __future__ import annotations

import asyncio
import io

import pytest
from PIL import Image

from bot.domain.messages import Message
from bot.telegram.charts import CHART_SIZE_PX, DimensionStat, render_insights_chart

GAP = "gap {gap:.1f}"


def mixed_stats() -> list[DimensionStat]:
    """Twelve dimensions: full rows, empty rows and rows with one side only."""
    stats: list[DimensionStat] = []
    for index in range(12):
        label = f"Dimension {index}"
        if index % 4 == 3:
            stats.append(DimensionStat(label, None, None, None))
        elif index == 5:
            stats.append(DimensionStat(label, 4.0, None, None))
        else:
            mine, theirs = 1 + index % 5, 5 - index % 5
            stats.append(DimensionStat(label, mine, theirs, abs(mine - theirs) / 2))
    return stats


def render(stats: list[DimensionStat], me: str = "Alex", partner: str = "Sam") -> bytes:
    return render_insights_chart(
        stats,
        me=me,
        partner=partner,
        title="How you two see things",
        gap_label=GAP,
        no_data_label="no answers yet",
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
    ):
        with pytest.raises(ValueError):
            render([bad])


def test_message_repr_does_not_dump_the_photo() -> None:
    assert "photo" not in repr(Message(1, "hi", photo=b"\x89PNG" * 1000))
