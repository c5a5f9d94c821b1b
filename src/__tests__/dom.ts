/**
 * DOM helpers of the component tests: wait for React to render, and type the
 * way a browser reports typing.
 */

/** Poll until `check` returns a value (React renders asynchronously). */
export async function waitFor<T>(
  check: () => T | null | undefined | false,
  what: string
): Promise<T> {
  for (let attempt = 0; attempt < 300; attempt++) {
    const value = check();
    if (value) {
      return value;
    }
    await new Promise(resolve => setTimeout(resolve, 10));
  }
  throw new Error(`${what} never happened`);
}

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
