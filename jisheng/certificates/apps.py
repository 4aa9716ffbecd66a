from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from jisheng.accounts import permissions
from jisheng.accounts.permissions import Capability


class CertificatesConfig(AppConfig):
    name = "jisheng.certificates"
    label = "certificates"
    verbose_name = _("Certificates")
    nav_items = [
        {
            "label": _("Certificates"),
            "url": "certificates:list",
            "visible": lambda user: permissions.holds(user, Capability.BROWSE_CERTIFICATES),
        }
    ]
