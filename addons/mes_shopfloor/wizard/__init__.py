from . import mes_recall_wizard
