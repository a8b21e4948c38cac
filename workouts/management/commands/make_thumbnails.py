"""Backfill: poster frames for analysed sessions stored before the analysis made them."""

from django.core.management.base import BaseCommand

from workouts import selectors, services
from workouts.analysis import poster_of_stored_video


class Command(BaseCommand):
    help = (
        "Makes the poster frame of every analysed session that has its video but no "
        "thumbnail (sessions analysed from now on get theirs from the analysis)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=None, help="At most this many.")

    def handle(self, *args, limit=None, **options):
        made = failed = 0
        for session in selectors.sessions_without_thumbnail()[:limit].iterator():
            poster = poster_of_stored_video(session, session.result or {})
            if poster and services.session_store_thumbnail(session_id=session.pk, poster=poster):
                made += 1
            else:
                failed += 1
                self.stderr.write(f"session {session.pk}: no frame could be read from its video")
        self.stdout.write(f"{made} thumbnails made, {failed} sessions without one.")
