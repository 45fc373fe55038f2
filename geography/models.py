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
    # Full postcodes from the ONS Postcode Directory: the LSOA they lie in and its decile of
    # the English Index of Multiple Deprivation (1 = most deprived 10%). Empty elsewhere.
    lsoa = models.CharField(max_length=9, blank=True)
    imd_decile = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(imd_decile__isnull=True)
                | models.Q(imd_decile__gte=1, imd_decile__lte=10),
                name="postcode_imd_decile_1_to_10",
            ),
        ]

    def __str__(self):
        return self.code
