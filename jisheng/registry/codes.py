"""National code lists the registry uses (GB/T 2261.1 sex, GB/T 2261.2 marital status, WIS methods)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    MALE = "1", _("Male")
    FEMALE = "2", _("Female")


class MaritalStatus(models.TextChoices):
    UNMARRIED = "10", _("Unmarried")
    MARRIED = "20", _("Married")
    FIRST_MARRIAGE = "21", _("First marriage")
    REMARRIED = "22", _("Remarried")
    REUNITED = "23", _("Remarried to former spouse")
    WIDOWED = "30", _("Widowed")
    DIVORCED = "40", _("Divorced")
    UNSTATED = "90", _("Not stated")


MARRIED_STATUSES = (
    MaritalStatus.MARRIED,
    MaritalStatus.FIRST_MARRIAGE,
    MaritalStatus.REMARRIED,
    MaritalStatus.REUNITED,
)


class PersonStatus(models.TextChoices):
    ALIVE = "alive", _("Living here")
    AWAY = "away", _("Living away")
    MOVED_OUT = "moved_out", _("Moved out")
    DEAD = "dead", _("Dead")


class HukouType(models.TextChoices):
    """户口性质: what 农村部分计划生育家庭奖励扶助 looks at."""

    AGRICULTURAL = "agri", _("Agricultural")
    NON_AGRICULTURAL = "non_agri", _("Non-agricultural")
    UNIFIED = "unified", _("Unified resident")


class ContraceptiveMethod(models.TextChoices):
    ORAL = "100", _("Oral contraceptives")
    INJECTION = "200", _("Injectable contraceptives")
    IMPLANT = "300", _("Implant")
    CONDOM = "400", _("Condom")
    EXTERNAL = "500", _("External contraceptives")
    OTHER = "600", _("Other methods")
    IUD = "700", _("Intrauterine device")
    FEMALE_STERILISATION = "810", _("Female sterilisation")
    MALE_STERILISATION = "820", _("Male sterilisation")


class Relation(models.TextChoices):
    """Relation to the household head (GB/T 4761, abridged)."""

    HEAD = "01", _("Head")
    SPOUSE = "10", _("Spouse")
    CHILD = "20", _("Child")
    PARENT = "50", _("Parent")
    GRANDCHILD = "30", _("Grandchild")
    OTHER = "99", _("Other")
