from django.db import models


class Thing(models.Model):
    name = models.CharField(max_length=10)

    class Meta:
        db_table = "ipai_kt_failing_thing"
