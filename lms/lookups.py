"""Query lookups the whole project relies on."""

from django.db.models import IntegerField
from django.db.models.lookups import In


@IntegerField.register_lookup
class IntegerFieldIn(In):
    """``__in`` that leaves out integers the column cannot hold, as Django's own ``exact``
    already does: such a value matches no row, and sent to the database it is an error
    (OverflowError on SQLite, "out of range" on PostgreSQL).  A tampered id in a form's
    multiple choice (``?fields=99999999999999999999``) is then "not one of the choices"."""

    def process_rhs(self, compiler, connection):
        if self.rhs_is_direct_value():
            low, high = connection.ops.integer_field_range(
                self.lhs.output_field.get_internal_type()
            )
            self.rhs = [
                value
                for value in self.rhs
                if not isinstance(value, int)
                or ((low is None or value >= low) and (high is None or value <= high))
            ]
        return super().process_rhs(compiler, connection)
