from . import stock_picking
from . import mes_mrp_suggestion_purchase
from . import purchase_order
from . import mes_mrp_projection_purchase
