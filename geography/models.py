from django.db import models


class Postcode(models.Model):
    """A place a postcode (or its sector or district) stands for."""

    class Precision(models.TextChoices):
        FULL = "full", "Full postcode"
        SECTOR = "sector", "Postcode sector"
        DISTRICT = "district", "Postcode district"

    code = models.CharField(max_length=8, primary_key=True, help_text="Normalised, e.g. NN12 6AB")
    precision = models.CharField(max_length=10, choices=Precision.choices)
    latitude = models.FloatField()
    longitude = models.FloatField()
    source = models.CharField(max_length=60)

    def __str__(self):
        return self.code
