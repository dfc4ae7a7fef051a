from . import mes_vendor_comparison
