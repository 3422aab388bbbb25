"""SVG charts drawn on the server: horizontal bars and stacked day columns, each with a text alternative."""

from __future__ import annotations

from markupsafe import Markup, escape

WIDTH = 640
COLOURS = {
    "Authorization": "#2e8b57",
    "ContingentAuthorization": "#7fbf7f",
    "ManagerOverrideableDenial": "#d99a00",
    "Denial": "#b3261e",
}
OTHER = "#6c7a89"
LEGEND = {
    "Authorization": "Approved",
    "ContingentAuthorization": "Contingent",
    "ManagerOverrideableDenial": "Manager may override",
    "Denial": "Denied",
    "undecided": "Undecided",
}


def _svg(height: int, label: str, body: str) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(label)}"'
        f' xmlns="http://www.w3.org/2000/svg"><title>{escape(label)}</title>{body}</svg>'
    )


def bars(label: str, items: list[tuple[str, int]]) -> Markup:
    """One horizontal bar per (name, value), longest first as given."""
    if not items:
        return Markup("")
    top = max(value for _, value in items) or 1
    row, left, room = 22, 170, WIDTH - 230
    parts = []
    for index, (name, value) in enumerate(items):
        y = 6 + index * row
        length = max(1, round(room * value / top))
        parts.append(
            f'<text x="{left - 6}" y="{y + 14}" text-anchor="end">{escape(name)[:28]}</text>'
            f'<rect x="{left}" y="{y + 2}" width="{length}" height="{row - 6}" fill="#0b5cad"/>'
            f'<text x="{left + length + 4}" y="{y + 14}">{value}</text>'
        )
    return _svg(12 + row * len(items), label, "".join(parts))


def day_columns(label: str, days: list[tuple[str, dict[str, int]]]) -> Markup:
    """A column per day, stacked by response type, with a legend."""
    if not days:
        return Markup("")
    height, base, left = 240, 200, 40
    top = max(sum(counts.values()) for _, counts in days) or 1
    step = (WIDTH - left - 10) / len(days)
    width = max(2.0, step * 0.7)
    parts = [f'<line x1="{left}" y1="{base}" x2="{WIDTH - 5}" y2="{base}" stroke="#555"/>']
    parts.append(f'<text x="{left - 4}" y="16" text-anchor="end">{top}</text>')
    for index, (day, counts) in enumerate(days):
        x, y = left + index * step + (step - width) / 2, float(base)
        for kind, count in sorted(counts.items()):
            size = (base - 20) * count / top
            y -= size
            colour = COLOURS.get(kind, OTHER)
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{size:.1f}" fill="{colour}">'
                f"<title>{escape(day)} {escape(kind)}: {count}</title></rect>"
            )
        if len(days) <= 16 or index % max(1, len(days) // 8) == 0:
            parts.append(f'<text x="{x + width / 2:.1f}" y="{base + 14}" text-anchor="middle">{escape(day[5:])}</text>')
    legend_x = left
    for kind, colour in [*COLOURS.items(), ("undecided", OTHER)]:
        parts.append(f'<rect x="{legend_x}" y="{base + 24}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{legend_x + 14}" y="{base + 33}">{LEGEND[kind]}</text>')
        legend_x += 14 + 6 * len(LEGEND[kind]) + 18
    return _svg(height, label, "".join(parts))


def before_after(label: str, kinds: list[tuple[str, int, int]]) -> Markup:
    """Two bars per response type, (name, before, after): before in grey, after in the type's colour."""
    if not kinds:
        return Markup("")
    top = max(max(before, after) for _, before, after in kinds) or 1
    group, bar, left, room = 50, 18, 170, WIDTH - 240
    parts = []
    for index, (kind, before, after) in enumerate(kinds):
        y = 8 + index * group
        name = LEGEND.get(kind, kind)
        parts.append(f'<text x="{left - 6}" y="{y + 22}" text-anchor="end">{escape(name)[:28]}</text>')
        for offset, side, value, colour in (
            (0, "before", before, OTHER),
            (bar + 2, "after", after, COLOURS.get(kind, OTHER)),
        ):
            length = max(1, round(room * value / top)) if value else 0
            parts.append(
                f'<rect x="{left}" y="{y + offset}" width="{length}" height="{bar}" fill="{colour}">'
                f"<title>{escape(name)} {side}: {value}</title></rect>"
                f'<text x="{left + length + 4}" y="{y + offset + 13}">{side} {value}</text>'
            )
    legend_y = 8 + len(kinds) * group
    parts.append(f'<rect x="{left}" y="{legend_y}" width="10" height="10" fill="{OTHER}"/>')
    parts.append(f'<text x="{left + 14}" y="{legend_y + 9}">before (as decided)</text>')
    parts.append(f'<rect x="{left + 150}" y="{legend_y}" width="10" height="10" fill="{COLOURS["Authorization"]}"/>')
    parts.append(
        f'<text x="{left + 164}" y="{legend_y + 9}">after (under the simulated version, coloured by type)</text>'
    )
    return _svg(legend_y + 18, label, "".join(parts))
