from . import mes_event
from . import stock_move_mes_event
