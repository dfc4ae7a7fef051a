from . import test_install
from . import test_goods_received_hook
from . import test_mrp_run
from . import test_mrp_run_safety
