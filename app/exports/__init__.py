"""Pure exporters for a workshop's action list: CSV, Excel, Markdown, JSON and iCalendar."""

from app.exports.csv_export import to_csv
from app.exports.ics_export import to_ics
from app.exports.json_export import to_json
from app.exports.markdown_export import to_markdown
from app.exports.xlsx_export import to_xlsx

__all__ = ["to_csv", "to_ics", "to_json", "to_markdown", "to_xlsx"]
