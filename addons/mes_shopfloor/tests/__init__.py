from . import test_install
from . import test_fg_receipt
from . import test_genealogy
from . import test_tour_flow5
