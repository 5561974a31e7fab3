from django.db import models


class Note(models.Model):
    title = models.CharField(max_length=100)

    class Meta:
        db_table = "ipai_kt_alpha_note"
