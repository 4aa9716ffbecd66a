import os

from django.core.wsgi import get_wsgi_application

os.umask(0o077)  # as in jisheng.__main__: the service's files are its own
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jisheng.settings")
application = get_wsgi_application()
