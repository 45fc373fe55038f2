from django.db import models

from core.models import BaseModel


class ServiceQuerySet(models.QuerySet):
    def in_area_of(self, user):
        return self.filter(area_id=user.organisation.area_id)

    def active(self):
        return self.filter(active=True)


class Service(BaseModel):
    """A community activity or service people can be connected to (an Open Referral
    "service"). Kept deliberately plain until the full HSDS directory arrives."""

    area = models.ForeignKey("organisations.Area", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    provider_name = models.CharField(max_length=200)
    description = models.TextField()
    needs = models.ManyToManyField("referrals.Need", related_name="services")
    town = models.CharField(max_length=100)
    postcode = models.CharField(max_length=8)
    when = models.CharField(max_length=200, help_text="For example: Tuesdays 10:00–12:00")
    cost = models.CharField(max_length=100, default="Free")
    how_to_join = models.CharField(max_length=300)
    active = models.BooleanField(default=True)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["area", "active", "town"], name="service_area_town")]

    def __str__(self):
        return self.name
