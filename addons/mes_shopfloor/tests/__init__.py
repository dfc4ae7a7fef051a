from . import test_install
from . import test_fg_receipt
from . import test_genealogy
from . import test_tour_flow5
from . import test_line_side
from . import test_kitting
from . import test_urgent_transfer
from . import test_stock_view
