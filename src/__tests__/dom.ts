/**
 * DOM helpers of the component tests: wait for React to render, and type the
 * way a browser reports typing.
 */

/**
 * Poll until `check` returns a value (React renders asynchronously). The
 * deadline is time, not attempts, and generous (`WAIT_MS`): on a slow CI
 * machine a render can take seconds.
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

// Jest runs in Node; the browser code's tsconfig has no Node types.
declare const process: { env: Record<string, string | undefined> };

/**
 * How long `waitFor` waits: 4 s, enough on a quiet machine, stretched by the
 * suite's patience factor (`UCDH_TEST_PATIENCE`, default 5; the CI machine was
 * measured five times slower than a developer's). jest.config.js gives each test
 * three times this.
 */
export const WAIT_MS = 4000 * Number(process.env.UCDH_TEST_PATIENCE || 5);

/** The first element matching `selector`, once it appears. */
export function find(root: ParentNode, selector: string): Promise<HTMLElement> {
  return waitFor(
    () => root.querySelector<HTMLElement>(selector),
    `${selector} to appear`
  );
}

/** Type into a React-controlled input (or textarea) the way a browser reports it. */
export function typeInto(
  input: HTMLInputElement | HTMLTextAreaElement,
  value: string
): void {
  const prototype =
    input instanceof HTMLTextAreaElement
      ? HTMLTextAreaElement.prototype
      : HTMLInputElement.prototype;
  const setter = Object.getOwnPropertyDescriptor(prototype, 'value')?.set as (
    v: string
  ) => void;
  setter.call(input, value);
  input.dispatchEvent(new Event('input', { bubbles: true }));
}
