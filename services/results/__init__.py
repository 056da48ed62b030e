"""What happens to a result after it is posted: the result desk (buttons, grids, deletes), false
positive reports, and the archive's fine-tuning dataset and stats; and 🔎 プロンプトにする, which
posts proposals made from a message's image."""

from services.results import dataset
from services.results.describe import DescribeDesk
from services.results.desk import ResultDesk
from services.results.grid import compose_grid
from services.results.reports import ReportDesk

__all__ = ["DescribeDesk", "ReportDesk", "ResultDesk", "compose_grid", "dataset"]
