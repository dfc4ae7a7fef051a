import os
import sys

_ADDON = os.path.join(
    os.path.dirname(__file__), os.pardir, os.pardir, "addons", "mes_inventory_mrp"
)
sys.path.insert(0, os.path.abspath(_ADDON))
