import "./styles.css";

import { setUnauthenticatedHandler } from "./api";
import { errorBox, h, replace } from "./dom";
import { exercisesPage } from "./pages/exercises";
import { historyPage } from "./pages/history";
import { livePage } from "./pages/live";
import { loginPage, signupPage } from "./pages/auth";
import { profilePage } from "./pages/profile";
import { sessionPage } from "./pages/session";
import { statsPage } from "./pages/stats";
import { uploadPage } from "./pages/upload";
import { beforeEach, BASE, navigate, render, route, start } from "./router";
import { currentUser, loadCurrentUser, logOut, onUserChange, setCurrentUser } from "./session";

const PUBLIC_PATHS = [`${BASE}/login`, `${BASE}/signup`];

route("/", "Statistics", statsPage);
route("/login", "Log in", loginPage);
route("/signup", "Sign up", signupPage);
route("/profile", "Profile", profilePage);
route("/upload", "Upload a workout", uploadPage);
route("/live", "Live workout", livePage);
route("/sessions", "History", historyPage);
route("/sessions/:id", "Workout", sessionPage);
route("/exercises", "My exercises", exercisesPage);

beforeEach((path) => {
  const isPublic = PUBLIC_PATHS.some((p) => path.startsWith(p));
  if (!isPublic && !currentUser()) {
    const next = encodeURIComponent(location.pathname + location.search);
    navigate(`${BASE}/login?next=${next}`, { replace: true });
    return false;
  }
  if (isPublic && currentUser()) {
    navigate(`${BASE}/`, { replace: true });
    return false;
  }
  return true;
});

function renderNav(): void {
  const nav = document.getElementById("nav")!;
  const user = currentUser();
  const link = (href: string, label: string) => h("li", {}, h("a", { href }, label));
  if (!user) {
    replace(nav, h("ul", {}, link(`${BASE}/login`, "Log in"), link(`${BASE}/signup`, "Sign up")));
    return;
  }
  replace(
    nav,
    h(
      "ul",
      {},
      link(`${BASE}/`, "Statistics"),
      link(`${BASE}/sessions`, "History"),
      link(`${BASE}/upload`, "Upload"),
      link(`${BASE}/live`, "Live"),
      link(`${BASE}/exercises`, "My exercises"),
      link(`${BASE}/profile`, "Profile"),
      h(
        "li",
        {},
        h(
          "button",
          {
            type: "button",
            class: "link-button",
            onclick: async () => {
              try {
                await logOut();
                navigate(`${BASE}/login`);
              } catch (error) {
                alert((error as Error).message);
              }
            },
          },
          "Log out",
        ),
      ),
    ),
  );
  markCurrentLink();
}

function markCurrentLink(): void {
  document.querySelectorAll<HTMLAnchorElement>("#nav a").forEach((a) => {
    const path = new URL(a.href).pathname;
    const here = location.pathname === path || (path !== `${BASE}/` && location.pathname.startsWith(path));
    if (here) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  });
}

async function boot(): Promise<void> {
  const main = document.getElementById("main")!;
  onUserChange(renderNav);
  window.addEventListener("routechange", markCurrentLink);
  setUnauthenticatedHandler(() => {
    // The session ended (expired, or logged out in another tab): back to the log-in page.
    if (currentUser()) {
      setCurrentUser(null);
      void render();
    }
  });
  try {
    await loadCurrentUser();
  } catch (error) {
    replace(main, errorBox(`Cannot load the dashboard: ${(error as Error).message}`, () => location.reload()));
    return;
  }
  renderNav();
  start();
}

void boot();
