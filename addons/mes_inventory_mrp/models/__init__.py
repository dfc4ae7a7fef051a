from . import stock_picking
from . import mes_stock_count
from . import mes_stock_reconciliation
from . import tier_definition_reconciliation
from . import stock_lot_unique
from . import stock_move_reservation_lock
