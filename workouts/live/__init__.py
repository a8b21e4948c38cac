"""Live workouts: a phone or browser streams its camera (or pose landmarks it computed
itself) and sees the repetitions counted as they happen; when it stops, the session is
analysed like an uploaded video.

The flow, module by module:

1. browser -> `consumer`: the WebSocket endpoint (routed by `routing`, mounted in
   coach/asgi.py) runs in the web process. It checks each message with `protocol` (the wire
   format of frames and landmarks, and their place on the analysis grid), and hands what
   arrived to the `live` Celery queue in chunks, one chunk per session in flight;
   `delivery` tells when a chunk's worker died (it stopped beating on the chunk) and the
   chunk goes again.
2. `services`: the state changes of a live session (start, resume, stage a chunk, stop), in
   the database, called by the consumer and the tasks.
3. `ingest` (task workouts.live_chunk, in workouts/tasks.py): on a worker, one chunk's frames
   through the pose backbone onto the grid, stored, the live estimate brought up to date and
   returned to the consumer as the update it sends back; the camera frames are kept for the
   session's `video`.
4. stop (or the idle sweep, task workouts.stop_idle_live_sessions) queues the session's
   analysis (task workouts.analyse_session) -> `analysis`: the stored frames become a WebM
   video (`video`) and the stored landmarks go through the engine's one analysis path,
   recorded exactly as an uploaded video's result is.
"""
