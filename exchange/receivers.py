"""An attachment's file goes when its row goes, however the row is deleted: a member removing a
file, a post deleted, or an organisation deleted in the admin (the posts cascade).  The file
is deleted once the deletion is committed, so a rolled-back deletion keeps it."""

from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from exchange.models import Attachment


@receiver(post_delete, sender=Attachment, dispatch_uid="exchange_attachment_file_delete")
def attachment_file_delete(sender, instance: Attachment, **kwargs) -> None:
    from exchange.services import _delete_files

    if instance.file.name:
        transaction.on_commit(partial(_delete_files, [instance.file.name]))
