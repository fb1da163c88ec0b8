"""Form markup: django-bootstrap5, as this project draws fields."""

from django_bootstrap5.renderers import FieldRenderer


class ErrorsOnlyFieldRenderer(FieldRenderer):
    """Marks the fields in error (is-invalid), not the ones that passed (is-valid): a form
    shown again for its errors keeps its plain look elsewhere."""

    def get_server_side_validation_classes(self):
        return "is-invalid" if self.field_errors else ""
