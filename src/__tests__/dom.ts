/**
 * DOM helpers of the component tests: wait for React to render, and type the
 * way a browser reports typing.
 */

/**
 * Poll until `check` returns a value (React renders asynchronously). The
 * deadline is time, not attempts, and generous: CI runs the suites side by
 * side on two cores, where a render can take seconds.
 */
export async function waitFor<T>(
  check: () => T | null | undefined | false,
  what: string,
  timeoutMs = WAIT_MS
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what} never happened`);
    }
    await new Promise(resolve => setTimeout(resolve, 10));
  }
}

/** How long `waitFor` waits; jest.config.js gives each test more than this. */
export const WAIT_MS = 10000;

/** The first element matching `selector`, once it appears. */
export function find(root: ParentNode, selector: string): Promise<HTMLElement> {
  return waitFor(
    () => root.querySelector<HTMLElement>(selector),
    `${selector} to appear`
  );
}

/** Type into a React-controlled input the way a browser reports it. */
export function typeInto(input: HTMLInputElement, value: string): void {
  const setter = Object.getOwnPropertyDescriptor(
    HTMLInputElement.prototype,
    'value'
  )?.set as (v: string) => void;
  setter.call(input, value);
  input.dispatchEvent(new Event('input', { bubbles: true }));
}
