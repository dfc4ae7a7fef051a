from . import mes_lot_quality_wizard
from . import mes_vendor_comparison
from . import mes_stock_count_import
