from . import test_install
from . import test_cost_sheet
from . import test_cost_currency_fifo
from . import test_tour_flow6
from . import test_host_valuation
from . import test_guarded_fields
from . import test_zh_cn
from . import test_project_cost
