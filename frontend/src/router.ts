// A small History-API router: every dashboard URL lives under /app/ and Django answers all
// of them with index.html, so deep links and reloads work.

export interface PageContext {
  params: Record<string, string>;
  query: URLSearchParams;
  /** Register something to undo when the page is left (timers, sockets, charts). */
  onLeave(cleanup: () => void): void;
}

export type Page = (main: HTMLElement, context: PageContext) => void | Promise<void>;

interface Route {
  pattern: RegExp;
  keys: string[];
  page: Page;
  title: string;
}

export const BASE = "/app";
const routes: Route[] = [];
let cleanups: (() => void)[] = [];
let renderHook: (path: string) => boolean = () => true;

export function route(path: string, title: string, page: Page): void {
  const keys: string[] = [];
  const source = path.replace(/:(\w+)/g, (_, key: string) => {
    keys.push(key);
    return "([^/]+)";
  });
  routes.push({ pattern: new RegExp(`^${BASE}${source}/?$`), keys, page, title });
}

/** Called before each page renders; return false to stop (after redirecting). */
export function beforeEach(hook: (path: string) => boolean): void {
  renderHook = hook;
}

export function navigate(to: string, { replace = false } = {}): void {
  if (replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  void render();
}

export async function render(): Promise<void> {
  for (const cleanup of cleanups) cleanup();
  cleanups = [];
  const path = location.pathname;
  if (!renderHook(path)) return;
  const main = document.getElementById("main")!;
  main.replaceChildren();
  const match = routes
    .map((r) => ({ r, m: r.pattern.exec(path) }))
    .find(({ m }) => m !== null);
  if (!match) {
    document.title = "Not found · coach";
    main.innerHTML = "<h1>Page not found</h1><p><a href=\"/app/\">Back to the dashboard</a></p>";
    return;
  }
  const params = Object.fromEntries(match.r.keys.map((k, i) => [k, decodeURIComponent(match.m![i + 1])]));
  document.title = `${match.r.title} · coach`;
  window.dispatchEvent(new Event("routechange"));
  const pageCleanups = cleanups;
  await match.r.page(main, {
    params,
    query: new URLSearchParams(location.search),
    onLeave: (cleanup) => pageCleanups.push(cleanup),
  });
  // Move focus to the new page for keyboard and screen-reader users, as a page load would.
  const heading = main.querySelector("h1");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus({ preventScroll: true });
  }
}

export function start(): void {
  window.addEventListener("popstate", () => void render());
  document.addEventListener("click", (event) => {
    const link = (event.target as Element).closest?.("a");
    if (
      !link ||
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      link.target ||
      link.hasAttribute("download")
    )
      return;
    const url = new URL(link.href, location.href);
    if (url.origin !== location.origin || !url.pathname.startsWith(`${BASE}/`) && url.pathname !== BASE) return;
    event.preventDefault();
    navigate(url.pathname + url.search);
  });
  void render();
}
