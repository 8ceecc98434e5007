"""The forecast chart: pygal rendered on the server to a static SVG (no script, no inline style).

The page embeds it with ``<img>``, so the strict CSP of the application applies untouched
and the chart works without JavaScript.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pygal
from pygal.style import Style

from crm_sales.forecast import Forecast, month_label

STYLE = Style(
    background="#ffffff", plot_background="#ffffff", foreground="#334155", foreground_strong="#0f172a",
    foreground_subtle="#e2e8f0", colors=("#6366f1", "#10b981", "#f59e0b"), font_family="system-ui, sans-serif",
    label_font_size=12, major_label_font_size=12, legend_font_size=13, title_font_size=15,
)


def forecast_svg(forecast: Forecast) -> bytes:
    """Bars of weighted pipeline and won per month, and the target as a line; SVG bytes."""
    months = list(forecast.by_month)
    chart = pygal.Bar(
        style=STYLE, js=[], disable_xml_declaration=True, width=900, height=360, legend_at_bottom=True,
        legend_at_bottom_columns=3, x_label_rotation=0 if len(months) <= 8 else 30, show_y_guides=True,
        print_values=False, margin=16, value_formatter=lambda v: f"{forecast.filters.currency} {v:,.0f}",
        tooltip_border_radius=0, no_data_text="No deals in this range",
    )
    chart.x_labels = [month_label(key) for key in months]

    def series(key: str) -> list[float]:
        return [float(Decimal(forecast.by_month[m][key])) for m in months]

    chart.add("Weighted pipeline", series("weighted"))
    chart.add("Won", series("won"))
    if any(forecast.by_month[m]["target"] for m in months):
        chart.add("Target", series("target"))
    return strip_scripts(chart.render()).encode("utf-8")


SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.S | re.I)
#: The chart's own document needs its ``<style>`` element; it can run nothing.
CHART_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'"


def strip_scripts(svg: str | bytes) -> str:
    """The SVG without ``<script>`` elements (pygal writes a config script even with ``js=[]``)."""
    text = svg.decode("utf-8") if isinstance(svg, bytes) else svg
    return SCRIPT.sub("", text)
