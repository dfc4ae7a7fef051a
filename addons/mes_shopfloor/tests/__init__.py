from . import test_install
from . import test_mes_event
from . import test_mes_event_http
from . import test_mes_event_concurrency
