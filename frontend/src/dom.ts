// A few DOM helpers so pages read as markup without pulling in a framework.

type Child = Node | string | number | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

/** h("button", {class: "x", onclick: fn}, "Label") */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value as EventListener);
    } else if (value === true) {
      element.setAttribute(name, "");
    } else {
      element.setAttribute(name, String(value));
    }
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(parent: Element, ...children: (Child | Child[])[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** A polite "Loading ..." line that screen readers announce. */
export function loading(what: string): HTMLElement {
  return h("p", { class: "loading", role: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }), `Loading ${what}…`);
}

/** An error box with an optional retry button. */
export function errorBox(message: string, retry?: () => void): HTMLElement {
  return h(
    "div",
    { class: "error", role: "alert" },
    h("p", {}, message),
    retry && h("button", { type: "button", class: "secondary", onclick: retry }, "Try again"),
  );
}

export function emptyState(message: string, ...actions: HTMLElement[]): HTMLElement {
  return h("div", { class: "empty" }, h("p", {}, message), actions.length ? h("p", {}, actions) : null);
}

/** A labelled input with a slot for its field errors (aria-describedby links them). */
export function field(
  label: string,
  input: HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement,
  hint?: string,
): HTMLElement {
  const id = input.id || `f-${input.name}`;
  input.id = id;
  const errorId = `${id}-error`;
  const hintId = hint ? `${id}-hint` : null;
  input.setAttribute("aria-describedby", [hintId, errorId].filter(Boolean).join(" "));
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    input,
    hint && h("small", { id: hintId!, class: "hint" }, hint),
    h("p", { class: "field-error", id: errorId, "data-error-for": input.name }),
  );
}

/** Show an API error on a form: per-field messages under their inputs, the rest on top. */
export function showFormErrors(
  form: HTMLFormElement,
  errors: { forField(attr: string): string[]; general(fields: string[]): string[] },
): void {
  const names: string[] = [];
  form.querySelectorAll<HTMLElement>("[data-error-for]").forEach((slot) => {
    const name = slot.dataset.errorFor!;
    names.push(name);
    const messages = errors.forField(name);
    slot.textContent = messages.join(" ");
    const input = form.querySelector(`[name="${name}"]`);
    if (messages.length) input?.setAttribute("aria-invalid", "true");
    else input?.removeAttribute("aria-invalid");
  });
  const general = form.querySelector<HTMLElement>(".form-error");
  if (general) {
    general.textContent = errors.general(names).join(" ");
    general.hidden = general.textContent === "";
  }
}

export function clearFormErrors(form: HTMLFormElement): void {
  form.querySelectorAll<HTMLElement>("[data-error-for]").forEach((slot) => (slot.textContent = ""));
  form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
  const general = form.querySelector<HTMLElement>(".form-error");
  if (general) {
    general.textContent = "";
    general.hidden = true;
  }
}

export function formError(): HTMLElement {
  return h("p", { class: "form-error error", role: "alert", hidden: true });
}

/** A labelled progress bar; returns the element and a setter taking 0..1. */
export function progressBar(label: string, id: string): { element: HTMLElement; set(f: number): void } {
  const bar = h("progress", { id, max: 100, value: 0 });
  const text = h("span", { class: "progress-value" }, "0 %");
  const element = h("div", { class: "progress" }, h("label", { for: id }, label), bar, text);
  return {
    element,
    set(fraction: number) {
      const percent = Math.round(Math.max(0, Math.min(1, fraction)) * 100);
      bar.value = percent;
      text.textContent = `${percent} %`;
    },
  };
}

/** One figure in a <dl class="stats-grid">: a label over a big number. */
export function statItem(label: string, value: Node | string, id: string): HTMLElement {
  const dd = value instanceof HTMLElement && value.tagName === "DD" ? value : h("dd", {}, value);
  dd.dataset.stat = id;
  return h("div", {}, h("dt", {}, label), dd);
}
