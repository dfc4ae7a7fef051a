from werkzeug.exceptions import RequestEntityTooLarge

from odoo import http
from odoo.http import request

from ..events.errors import MesRequestError
from ..events.reader import parse_body

DEVICE_GROUP = "mes_shopfloor.group_shopfloor_device"
MAX_BODY_PARAM = "mes_shopfloor.event_max_body_bytes"
DEFAULT_MAX_BODY = 4 * 1024 * 1024
RETRY_AFTER_SECONDS = 5


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
            data = self._read_body(env)
            events, single = parse_body(env, data)
        except MesRequestError as exc:
            return self._error(exc.code, exc.field, str(exc.args[0]))
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
        response = request.make_json_response(data, status=status)
        if status == 503:
            response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response

    def _read_body(self, env):
        """The request body, refused when it is not JSON (415) or larger than
        the limit (413, system parameter ``mes_shopfloor.event_max_body_bytes``,
        default 4 MiB)."""
        _ = env._
        httprequest = request.httprequest
        if httprequest.mimetype != "application/json":
            raise MesRequestError(
                _(
                    "Content-Type: %(type)s is not accepted; send the events as "
                    "application/json.",
                    type=httprequest.mimetype or _("none"),
                ),
                "Content-Type",
                code=415,
            )
        try:
            limit = int(
                env["ir.config_parameter"]
                .sudo()
                .get_param(MAX_BODY_PARAM, DEFAULT_MAX_BODY)
            )
        except ValueError:
            limit = DEFAULT_MAX_BODY
        too_large = MesRequestError(
            _(
                "body: larger than %(limit)s bytes; send fewer events per request.",
                limit=limit,
            ),
            "body",
            code=413,
        )
        length = httprequest.content_length
        if length is not None and length > limit:
            raise too_large
        # a body without a length (chunked) is cut at the limit by werkzeug
        httprequest.max_content_length = limit
        try:
            data = httprequest.get_data()
        except RequestEntityTooLarge:
            raise too_large from None
        if len(data) > limit:
            raise too_large
        return data

    def _error(self, status, field, message):
        return request.make_json_response(
            {"error": message, "field": field, "results": []}, status=status
        )
