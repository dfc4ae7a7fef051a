from . import test_install
from . import test_goods_received_hook
from . import test_stock_reconciliation
