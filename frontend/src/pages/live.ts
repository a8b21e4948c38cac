// Live workout: the camera streams to the server, which counts as you go; stopping saves
// the session and it is analysed like an uploaded video.

import { errorBox, field, h, replace, statItem } from "../dom";
import { clock, exerciseName, kcal } from "../format";
import { LiveStream } from "../live";
import { BASE, navigate, type PageContext } from "../router";

export function livePage(main: HTMLElement, context: PageContext): void {
  const video = h("video", { autoplay: true, muted: true, playsinline: true, id: "live-video", "aria-label": "Your camera" });
  const message = h("div", { role: "status", id: "live-message" });
  const readout = {
    exercise: h("dd", { id: "live-exercise" }, "—"),
    reps: h("dd", { id: "live-reps", "aria-live": "polite" }, "0"),
    kcal: h("dd", { id: "live-kcal" }, kcal(0)),
    elapsed: h("dd", { id: "live-elapsed" }, clock(0)),
  };
  const visible = h("p", { id: "live-visibility", class: "muted" });
  const titleInput = h("input", { name: "title", type: "text", maxlength: 200, placeholder: "e.g. Morning squats" });
  const cameraButton = h("button", { type: "button" }, "Turn on the camera");
  const startButton = h("button", { type: "button", disabled: true }, "Start workout");
  const stopButton = h("button", { type: "button", class: "danger", disabled: true }, "Stop and save");
  let camera: MediaStream | null = null;
  let stream: LiveStream | null = null;

  const stopCamera = () => camera?.getTracks().forEach((track) => track.stop());
  context.onLeave(() => {
    stream?.close();
    stopCamera();
  });

  cameraButton.addEventListener("click", async () => {
    if (!navigator.mediaDevices?.getUserMedia) {
      replace(message, errorBox("This browser cannot use a camera here (it needs HTTPS or localhost)."));
      return;
    }
    cameraButton.disabled = true;
    replace(message, "Asking for the camera…");
    try {
      camera = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 } }, audio: false });
      video.srcObject = camera;
      cameraButton.textContent = "Camera on";
      replace(message, "Camera on. Step back so your whole body is in view, then start.");
      startButton.disabled = false;
    } catch (error) {
      cameraButton.disabled = false;
      replace(message, errorBox(`No camera: ${(error as Error).message}`));
    }
  });

  startButton.addEventListener("click", () => {
    startButton.disabled = true;
    replace(message, "Connecting…");
    stream = new LiveStream(video, {
      onStarted: () => {
        stopButton.disabled = false;
        replace(message, "Recording. Your reps are counted as you go.");
      },
      onUpdate: (update) => {
        readout.exercise.textContent = exerciseName(update.exercise);
        readout.reps.textContent = String(update.reps);
        readout.kcal.textContent = kcal(update.kcal);
        readout.elapsed.textContent = clock(update.elapsed_s);
        visible.textContent = update.person_visible ? "" : "Nobody in view: step into the picture.";
      },
      onStopped: (sessionId) => {
        stopCamera();
        navigate(`${BASE}/sessions/${sessionId}`);
      },
      onReconnecting: (attempt, delayMs) =>
        replace(message, errorBox(`Connection lost. Reconnecting in ${Math.round(delayMs / 100) / 10} s (attempt ${attempt})… What was sent is kept.`)),
      onResumed: () => replace(message, "Reconnected. Recording again."),
      onError: (detail) => replace(message, errorBox(detail)),
      onClosed: (detail) => {
        stopButton.disabled = true;
        if (detail) {
          replace(message, errorBox(detail));
          startButton.disabled = !camera;
        }
      },
    });
    stream.start(titleInput.value.trim());
  });

  stopButton.addEventListener("click", () => {
    stopButton.disabled = true;
    replace(message, "Saving…");
    stream?.stop();
  });

  main.append(
    h("h1", {}, "Live workout"),
    h(
      "div",
      { class: "columns live" },
      h("div", {}, h("div", { class: "camera" }, video), h("div", { class: "card" }, field("Title (optional)", titleInput), h("div", { class: "actions" }, cameraButton, startButton, stopButton), message)),
      h(
        "section",
        { "aria-labelledby": "live-h", class: "card" },
        h("h2", { id: "live-h" }, "Now"),
        h(
          "dl",
          { class: "stats-grid live-readout" },
          statItem("Exercise", readout.exercise, "live-exercise"),
          statItem("Repetitions", readout.reps, "live-reps"),
          statItem("Calories", readout.kcal, "live-kcal"),
          statItem("Elapsed", readout.elapsed, "live-elapsed"),
        ),
        visible,
      ),
    ),
  );
}
