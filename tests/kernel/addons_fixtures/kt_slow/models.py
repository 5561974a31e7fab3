from django.db import models


class Item(models.Model):
    name = models.CharField(max_length=10)

    class Meta:
        db_table = "ipai_kt_slow_item"
