from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CertificatesConfig(AppConfig):
    name = "jisheng.certificates"
    label = "certificates"
    verbose_name = _("Certificates")
    nav_items = [
        {
            "label": _("Certificates"),
            "url": "certificates:list",
            "roles": ["counter_clerk", "township_head", "county_staff", "auditor"],
        }
    ]
