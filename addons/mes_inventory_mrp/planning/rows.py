"""Named rows for the loaders' bulk queries."""


def select(env, row_type, query):
    """The rows of ``query`` as ``row_type`` instances.

    ``row_type`` is a ``NamedTuple`` whose fields are the query's column names,
    in order (``AS`` in the SELECT): a query and its row type that drift apart
    fail here, at once, instead of shifting values silently.
    """
    rows = env.execute_query(query)
    names = tuple(column.name for column in env.cr.description)
    if names != row_type._fields:
        raise ValueError(
            f"{row_type.__name__}: the query returns {names}, "
            f"the row type declares {row_type._fields}"
        )
    make = row_type._make
    return [make(row) for row in rows]
