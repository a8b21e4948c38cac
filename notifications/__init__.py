"""Notifications: telling a user's apps that an analysis finished, without polling.

1. `workouts` announces a finished or failed analysis (`workouts.events.session_finished`,
   sent after the result is stored); `receivers` records it as an `Event` row, in the
   analysis's transaction but in a savepoint of its own, so a notification that cannot be
   recorded never fails the analysis, and one is recorded only for a result that stands.
2. The event stream (`consumer`, `/api/v1/events/`): every open socket of the user gets the
   event. One `hub` per web process reads new events from the table (one query a second,
   however many sockets are open) and hands them to its sockets: no channel layer, so it
   works on the embedded defaults and on PostgreSQL alike.
3. Webhooks: a delivery row per registered URL, sent by the task `notifications.deliver`
   (`delivery`: signed POST, retries with backoff, the outcome logged on the row). URLs
   are checked by `addresses` (http(s) only; private and loopback addresses refused unless
   NOTIFICATIONS_ALLOW_PRIVATE_URLS), at registration and again at each connection.
"""
