from . import product_template_fg
from . import stock_picking_type_fg
from . import stock_move_fg
from . import mrp_production_finished
from . import stock_lot_genealogy
from . import mes_genealogy
