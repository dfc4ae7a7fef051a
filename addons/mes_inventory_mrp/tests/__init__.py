from . import test_install
from . import test_goods_received_hook
from . import test_lot_quality
from . import test_lot_expiry
from . import test_mrp_run
from . import test_mrp_run_safety
from . import test_purchase_flow
from . import test_purchase_suggestion
