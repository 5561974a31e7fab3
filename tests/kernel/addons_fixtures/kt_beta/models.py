from django.db import models


class Comment(models.Model):
    note = models.ForeignKey("kt_alpha.Note", on_delete=models.CASCADE)
    body = models.TextField()

    class Meta:
        db_table = "ipai_kt_beta_comment"
