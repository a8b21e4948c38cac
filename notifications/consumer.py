"""The event stream (docs/events-protocol.md): a socket per app screen that wants to know
when an analysis ends. It only listens: after authenticating (as on the live socket), the
client sends nothing and gets `session.done` / `session.failed` events of its user."""

from coach.sockets import AuthenticatedJsonConsumer
from notifications.hub import hub


class EventStreamConsumer(AuthenticatedJsonConsumer):
    def setup(self):
        self.joined = None

    async def on_authenticated(self):
        self.joined = hub()
        await self.joined.join(self.user.pk, self)

    async def on_disconnect(self):
        if self.joined is not None:
            self.joined.leave(self.user.pk, self)

    async def send_event(self, payload: dict):
        await self.send_json(payload)
