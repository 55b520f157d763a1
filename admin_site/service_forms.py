"""Admin add/change forms that save through services.

Django's admin cannot turn an error raised in ``save_model`` back into form
errors: by then it has decided the form is valid. Here ``save_model`` raises
``ServiceFailed``; the exception leaves the admin's transaction, so everything
the services wrote (rows, outbox messages, on-commit work) is rolled back; the
view then runs once more with the service's errors attached to the form, so
the person sees their input again with the errors beside the fields.
"""

from django.core.exceptions import ValidationError


class ServiceFailed(Exception):
    def __init__(self, error: ValidationError):
        super().__init__(str(error))
        self.error = error


def call_service(func, /, **kwargs):
    """Call a service from ``save_model``; a ValidationError becomes ServiceFailed."""
    try:
        return func(**kwargs)
    except ValidationError as exc:
        raise ServiceFailed(exc) from exc


def add_service_error(form, error: ValidationError, field_names: dict[str, str]) -> None:
    """Attach a service's ValidationError to the form, field by field where the field is on it."""
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            target = field_names.get(name, name)
            form.add_error(target if target in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


class ServiceFormAdminMixin:
    """Put before the ModelAdmin base. ``save_model`` must use ``call_service``.
    ``service_error_fields`` maps a service's field name to the form's, where they differ."""

    service_error_fields: dict[str, str] = {}

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceFailed as failed:
            request._service_error = failed.error
            for upload in request.FILES.values():
                upload.seek(0)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        error = getattr(request, "_service_error", None)
        if error is None:
            return form_class
        field_names = self.service_error_fields

        class ServiceErrorForm(form_class):
            def clean(self):
                cleaned = super().clean()
                add_service_error(self, error, field_names)
                return cleaned

        ServiceErrorForm.__name__ = form_class.__name__
        return ServiceErrorForm
