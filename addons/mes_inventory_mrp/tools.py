"""Helpers shared by the MES addons that are not a model (no Odoo model here)."""

from odoo.tools import SQL

# Rows per INSERT statement of ``insert_rows``: large enough that a plan of tens
# of thousands of rows takes a handful of statements, small enough that the
# arrays stay a few MB.
INSERT_BATCH = 5000


def insert_rows(model, vals_list, now=None, batch=INSERT_BATCH):
    """INSERT ``vals_list`` into ``model``'s table; returns the new ids in order.

    For bulk results written behind the ORM's back (an MRP plan, kitting
    shortages): the ORM inserts 100 rows a query and runs Python per record,
    which makes the query count grow with the number of rows. Here each batch is
    one ``INSERT ... SELECT * FROM unnest(arrays)`` (PostgreSQL parses a few
    arrays much faster than thousands of VALUES tuples).

    ``vals_list`` holds plain column values of stored fields (no commands, no
    related or computed fields); a missing key or ``False`` is NULL, except for
    booleans. Ids are drawn from the table's sequence first, so their order
    matches ``vals_list`` for sure. ``now`` is the create/write date (the
    transaction's ``now`` by default). The caller flushes what the rows depend
    on before, and invalidates the ORM caches after.
    """
    if not vals_list:
        return []
    env = model.env
    table = model._table
    columns = sorted(set().union(*vals_list))
    model_fields = model._fields
    for name in columns:
        field = model_fields[name]
        assert field.store and field.column_type, name
    booleans = {name for name in columns if model_fields[name].type == "boolean"}
    now = now or env.cr.now()
    uid = env.uid
    names = ["id", *columns, "create_uid", "create_date", "write_uid", "write_date"]
    types = ["int4"]
    types += [model_fields[name].column_type[1] for name in columns]
    types += ["int4", "timestamp", "int4", "timestamp"]
    query = 'INSERT INTO "%s" (%s) SELECT * FROM unnest(%s)' % (
        table,
        ", ".join('"%s"' % name for name in names),
        ", ".join("%%s::%s[]" % column_type for column_type in types),
    )
    all_ids = []
    for start in range(0, len(vals_list), batch):
        chunk = vals_list[start : start + batch]
        ids = [
            row[0]
            for row in env.execute_query(
                SQL(
                    "SELECT nextval(%s) FROM generate_series(1, %s)",
                    "%s_id_seq" % table,
                    len(chunk),
                )
            )
        ]
        arrays = [ids]
        for name in columns:
            if name in booleans:
                arrays.append([bool(vals.get(name)) for vals in chunk])
            else:
                values = [vals.get(name) for vals in chunk]
                arrays.append([None if v is False else v for v in values])
        size = len(chunk)
        arrays += [[uid] * size, [now] * size, [uid] * size, [now] * size]
        env.execute_query(SQL(query, *arrays))
        all_ids.extend(ids)
    return all_ids


def update_rows(model, ids, vals_list, now=None, batch=INSERT_BATCH):
    """UPDATE the rows ``ids`` of ``model``'s table with ``vals_list`` (same
    order, same keys in every dict), a few statements whatever their number.

    The companion of ``insert_rows`` for a plan written as a difference: each
    batch is one ``UPDATE ... FROM unnest(arrays)``; ``write_date`` and
    ``write_uid`` are set. Same contract as ``insert_rows`` for the values, the
    flush before and the invalidation after.
    """
    if not ids:
        return
    env = model.env
    model_fields = model._fields
    columns = sorted(vals_list[0])
    for name in columns:
        field = model_fields[name]
        assert field.store and field.column_type, name
    booleans = {name for name in columns if model_fields[name].type == "boolean"}
    types = [model_fields[name].column_type[1] for name in columns]
    query = (
        'UPDATE "%s" AS t SET %s, write_uid = %%s, write_date = %%s '
        "FROM unnest(%s) AS v(%s) WHERE t.id = v.id"
    ) % (
        model._table,
        ", ".join('"%s" = v."%s"' % (name, name) for name in columns),
        ", ".join("%%s::%s[]" % column_type for column_type in ["int4", *types]),
        ", ".join(['"id"', *('"%s"' % name for name in columns)]),
    )
    now = now or env.cr.now()
    for start in range(0, len(ids), batch):
        chunk = vals_list[start : start + batch]
        arrays = [list(ids[start : start + batch])]
        for name in columns:
            if name in booleans:
                arrays.append([bool(vals.get(name)) for vals in chunk])
            else:
                values = [vals.get(name) for vals in chunk]
                arrays.append([None if v is False else v for v in values])
        env.execute_query(SQL(query, env.uid, now, *arrays))


def delete_rows(model, ids):
    """DELETE the rows ``ids`` of ``model``'s table in one statement (behind
    the ORM: no ``unlink`` overrides run; foreign keys cascade)."""
    if ids:
        model.env.execute_query(
            SQL(
                "DELETE FROM %s WHERE id = ANY(%s)",
                SQL.identifier(model._table),
                list(ids),
            )
        )


def records_action(records, xml_id):
    """The window action ``xml_id`` opened on ``records``: the form when there is
    one record, else the list of them; no Create button."""
    action = records.env["ir.actions.act_window"]._for_xml_id(xml_id)
    if len(records) == 1:
        action.update(
            {"views": [(False, "form")], "view_mode": "form", "res_id": records.id}
        )
    else:
        action["domain"] = [("id", "in", records.ids)]
    action["context"] = {"create": False}
    return action
