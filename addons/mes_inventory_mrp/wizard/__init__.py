from . import mes_lot_quality_wizard
