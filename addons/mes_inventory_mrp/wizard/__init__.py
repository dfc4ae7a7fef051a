from . import mes_stock_count_import
