// The live-workout WebSocket client (docs/live-protocol.md): camera frames go up as binary
// messages (8-byte big-endian float64 time, then JPEG bytes); updates come back as JSON.

export interface LiveUpdate {
  elapsed_s: number;
  exercise: string | null;
  reps: number;
  kcal: number;
  person_visible: boolean;
}

export interface LiveHandlers {
  onStarted(sessionId: number): void;
  onUpdate(update: LiveUpdate): void;
  onStopped(sessionId: number): void;
  onError(message: string): void;
  onClosed(message: string | null): void;
  onReconnecting(attempt: number, delayMs: number): void;
  onResumed(sessionId: number): void;
}

const CLOSE_MESSAGES: Record<number, string> = {
  4400: "The server could not understand the stream.",
  4401: "You are not logged in any more.",
  4404: "That live session does not exist.",
  4409: "That session is not live any more.",
  4429: "Too many of your workouts are waiting for analysis; try again when they are done.",
};

// After a dropped connection (not one the server closed on purpose), resume the session
// after these pauses; what the server had received is kept either way.
const RECONNECT_DELAYS_MS = [500, 1000, 2000, 4000, 8000, 8000];

const FRAME_INTERVAL_MS = 100; // the engine analyses 10 frames a second
const MAX_SIDE = 640; // the server scales to this anyway; larger frames only cost bandwidth
const MAX_BUFFERED_BYTES = 1_000_000; // on a slow link, drop frames rather than queue them

export function encodeFrame(t: number, jpeg: ArrayBuffer): ArrayBuffer {
  const message = new Uint8Array(8 + jpeg.byteLength);
  new DataView(message.buffer).setFloat64(0, t, false);
  message.set(new Uint8Array(jpeg), 8);
  return message.buffer;
}

export class LiveStream {
  private socket: WebSocket | null = null;
  private timer: number | undefined;
  private reconnectTimer: number | undefined;
  private attempts = 0; // reconnections since the last successful resume
  private startedAt = 0;
  private sessionId: number | null = null;
  private stopping = false;
  private encoding = false; // one frame at a time: JPEG encoding is async, and times must increase
  private lastT = -1;
  private readonly canvas = document.createElement("canvas");

  constructor(
    private readonly video: HTMLVideoElement,
    private readonly handlers: LiveHandlers,
  ) {}

  start(title: string): void {
    this.connect({ type: "start", ...(title ? { title } : {}) });
  }

  private connect(first: Record<string, unknown>): void {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/api/v1/live/`);
    socket.binaryType = "arraybuffer";
    this.socket = socket;
    socket.onopen = () => socket.send(JSON.stringify(first));
    socket.onmessage = (event) => {
      if (typeof event.data !== "string") return;
      const message = JSON.parse(event.data) as Record<string, unknown>;
      switch (message.type) {
        case "started":
          this.sessionId = (message.session as { id: number }).id;
          this.startedAt = performance.now();
          this.handlers.onStarted(this.sessionId);
          this.sendFrames();
          break;
        case "resumed":
          this.attempts = 0;
          if (this.stopping) {
            socket.send(JSON.stringify({ type: "stop" })); // stop was pressed while offline
            break;
          }
          this.handlers.onResumed(this.sessionId!);
          this.sendFrames(); // times go on from the first start: the gap stays a gap
          break;
        case "update":
          this.handlers.onUpdate(message as unknown as LiveUpdate);
          break;
        case "stopped":
          this.handlers.onStopped((message.session as { id: number }).id);
          this.close();
          break;
        case "error":
          this.handlers.onError(String(message.detail ?? message.code));
          break;
      }
    };
    socket.onclose = (event) => {
      window.clearInterval(this.timer);
      if (socket !== this.socket) return; // an old socket, replaced already
      const deliberate = event.code === 1000 || event.code in CLOSE_MESSAGES;
      if (!deliberate && this.sessionId !== null && this.attempts < RECONNECT_DELAYS_MS.length) {
        const delay = RECONNECT_DELAYS_MS[this.attempts++];
        this.handlers.onReconnecting(this.attempts, delay);
        this.reconnectTimer = window.setTimeout(() => this.connect({ type: "resume", session: this.sessionId }), delay);
        return;
      }
      const reason = CLOSE_MESSAGES[event.code] ?? (this.sessionId === null ? "Could not connect to the server." : `The connection closed (${event.code}).`);
      this.handlers.onClosed(event.code === 1000 || (this.stopping && deliberate) ? null : reason);
    };
  }

  private sendFrames(): void {
    window.clearInterval(this.timer);
    this.timer = window.setInterval(() => void this.sendFrame(), FRAME_INTERVAL_MS);
  }

  stop(): void {
    window.clearInterval(this.timer);
    this.stopping = true;
    // While reconnecting, the stop is sent as soon as the session is resumed.
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ type: "stop" }));
  }

  close(): void {
    window.clearInterval(this.timer);
    window.clearTimeout(this.reconnectTimer);
    this.stopping = true;
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000);
  }

  private async sendFrame(): Promise<void> {
    const socket = this.socket;
    const { videoWidth: width, videoHeight: height } = this.video;
    if (this.encoding || !socket || socket.readyState !== WebSocket.OPEN || !width || socket.bufferedAmount > MAX_BUFFERED_BYTES) return;
    const t = (performance.now() - this.startedAt) / 1000;
    if (t <= this.lastT) return;
    this.encoding = true;
    try {
      const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
      this.canvas.width = Math.round(width * scale);
      this.canvas.height = Math.round(height * scale);
      this.canvas.getContext("2d")!.drawImage(this.video, 0, 0, this.canvas.width, this.canvas.height);
      const blob = await new Promise<Blob | null>((resolve) => this.canvas.toBlob(resolve, "image/jpeg", 0.75));
      const data = blob ? await blob.arrayBuffer() : null;
      // Checked after the last await: the socket can close while the frame is encoded, and
      // sending on a closing socket throws in the page.
      if (data && socket.readyState === WebSocket.OPEN && !this.stopping) {
        socket.send(encodeFrame(t, data));
        this.lastT = t;
      }
    } finally {
      this.encoding = false;
    }
  }
}
