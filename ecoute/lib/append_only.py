"""Journals that are written once and never changed or removed: the note-read audit, the security journal."""

from django.db import models


class AppendOnly(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("the audit trail cannot be changed")

    def delete(self):
        raise PermissionError("the audit trail cannot be deleted")


class AppendOnlyModel(models.Model):
    objects = AppendOnly.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("the audit trail cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("the audit trail cannot be deleted")
