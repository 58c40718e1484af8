"""Which record fields an answer of the query route is consistently ordered by: shared with the traffic
judge, see scs_kit.check.query_order."""

from scs_kit.check.query_order import ordering_fields, sort_value

__all__ = ["ordering_fields", "sort_value"]
