import json

from odoo import http
from odoo.http import request

from ..models.mes_event import MAX_BATCH

DEVICE_GROUP = "mes_shopfloor.group_shopfloor_device"


class MesEventController(http.Controller):
    """Shop-floor event API, version 1 (static/openapi/mes_events_v1.yaml)."""

    @http.route(
        "/mes/api/v1/events",
        type="http",
        auth="bearer",
        methods=["POST"],
        csrf=False,
        save_session=False,
    )
    def post_events(self, **_kwargs):
        env = request.env
        if not env.user.has_group(DEVICE_GROUP):
            return self._error(
                403,
                "authorization",
                env._(
                    "User %(user)s is not a Shop-floor Device: add the user to "
                    "the group Shop Floor ▸ Shop-floor Device.",
                    user=env.user.login,
                ),
            )
        try:
            body = json.loads(request.httprequest.get_data() or b"")
        except (ValueError, UnicodeDecodeError) as exc:
            return self._error(
                400, "body", env._("body: malformed JSON (%(error)s).", error=exc)
            )
        if not isinstance(body, (dict, list)):
            return self._error(
                400,
                "body",
                env._('body: send one event object or {"events": [...]}.'),
            )
        single = isinstance(body, dict) and "events" not in body
        events = body if isinstance(body, list) else body.get("events", [body])
        if not isinstance(events, list) or not events:
            return self._error(
                400, "events", env._("events: must be a non-empty list of events.")
            )
        if len(events) > MAX_BATCH:
            return self._error(
                400,
                "events",
                env._(
                    "events: a batch holds at most %(max)s events, this one has "
                    "%(count)s; split it.",
                    max=MAX_BATCH,
                    count=len(events),
                ),
            )
        results = env["mes.event"].mes_process_events(events)
        codes = {result["code"] for result in results}
        if single:
            status = results[0]["code"]
        elif codes == {200}:
            status = 200
        elif len(codes) == 1:
            status = codes.pop()
        else:
            status = 207
        summary = dict.fromkeys(("applied", "duplicate", "conflict", "error"), 0)
        for result in results:
            summary[result["status"]] += 1
        data = {"results": results, "summary": summary}
        if single:
            data = dict(results[0], **data)
        return request.make_json_response(data, status=status)

    def _error(self, status, field, message):
        return request.make_json_response(
            {"error": message, "field": field, "results": []}, status=status
        )
