from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from jisheng.accounts.models import User
from jisheng.accounts.services import token_create
from jisheng.core.actor import COMMAND_LINE


class Command(BaseCommand):
    help = "Create a personal API access token for a user and print it once."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="cli")
        parser.add_argument("--days", type=int, default=90)

    def handle(self, *args: object, **options: object) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"没有用户 {options['username']} (no such user)")
        days = options["days"]
        assert isinstance(days, int)
        try:
            token, key = token_create(user=user, name=str(options["name"]), days=days, by=COMMAND_LINE)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(key)
        self.stderr.write(f"令牌 {token.prefix}… 有效期至 {token.expires_at:%Y-%m-%d}")
