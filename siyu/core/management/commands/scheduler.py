from django.core.management.base import BaseCommand

from siyu.core import scheduler


class Command(BaseCommand):
    help = "Run the periodic-job clock alone (one per deployment); it only enqueues tasks."

    def handle(self, *args, **options):
        scheduler.build(blocking=True).start()
