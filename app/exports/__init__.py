"""Pure exporters for a workshop's action list: CSV, Markdown, JSON and iCalendar."""

from app.exports.csv_export import to_csv
from app.exports.ics_export import to_ics
from app.exports.json_export import to_json
from app.exports.markdown_export import to_markdown

__all__ = ["to_csv", "to_ics", "to_json", "to_markdown"]
