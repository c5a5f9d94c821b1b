/**
 * "E-mail when a run ends" at the foot of the Runs section, against a fake
 * server: offered only when the administrator set up a topic, turned on with
 * an address (then waiting for the link SNS mails), and turned off.
 */

import { find, typeInto, waitFor } from './dom';
import { DONE_ID, fakeRunsServer, makeRun, runsSections } from './runsfixtures';

const RUN = makeRun({ id: DONE_ID, state: 'SUCCEEDED', cost_final_usd: 0.42 });

describe('E-mail when a run ends', () => {
  const sections = runsSections();

  afterEach(() => {
    sections.dispose();
  });

  /** The Runs section of a user without mail, its address form opened. */
  async function openForm(): Promise<{
    server: ReturnType<typeof fakeRunsServer>;
    node: HTMLElement;
    input: HTMLInputElement;
  }> {
    const server = fakeRunsServer([RUN], {
      mail: { available: true, address: null, state: 'off' }
    });
    const node = sections.show(server);
    (await find(node, '.jp-ucdh-Runs-mailToggle')).click();
    const input = (await find(
      node,
      '.jp-ucdh-Runs-mailForm input'
    )) as HTMLInputElement;
    return { server, node, input };
  }

  it('is offered only when the administrator set up a topic', async () => {
    // A server without the route, and one whose administrator set no topic
    for (const mail of [
      undefined,
      { available: false, address: null, state: 'off' as const }
    ]) {
      const server = fakeRunsServer([RUN], { mail });
      const node = sections.show(server);
      await find(node, '.jp-ucdh-Runs-item');
      await waitFor(
        () =>
          server.requests.some(r => r.path === 'runs/notifications') || null,
        'the e-mail choice to be asked for'
      );
      expect(node.querySelector('.jp-ucdh-Runs-mail')).toBeNull();
      sections.dispose();
    }
    const server = fakeRunsServer([RUN], {
      mail: { available: true, address: null, state: 'off' }
    });
    const node = sections.show(server);
    const line = await find(node, '.jp-ucdh-Runs-mailLine');
    expect(line.textContent).toContain('E-mail when a run ends: off.');
    expect(line.querySelector('button')?.textContent).toBe('Turn on…');
  });

  it('turns on with an address, says it waits for the link, and turns off', async () => {
    const { server, node, input } = await openForm();
    // The field takes the keyboard at once
    await waitFor(() => document.activeElement === input || null, 'focus');
    typeInto(input, 'jdoe@hospital.org');
    (
      node.querySelector(
        '.jp-ucdh-Runs-mailForm button[type="submit"]'
      ) as HTMLElement
    ).click();
    const line = await find(node, '.jp-ucdh-Runs-mailLine');
    expect(line.textContent).toContain(
      'waiting for you to follow the link sent to jdoe@hospital.org'
    );
    const put = server.requests.find(r => r.method === 'PUT');
    expect(put?.body).toEqual({ address: 'jdoe@hospital.org' });
    // Turned off, it says so
    (await find(node, '.jp-ucdh-Runs-mailToggle')).click();
    await waitFor(
      () =>
        node
          .querySelector('.jp-ucdh-Runs-mailLine')
          ?.textContent?.includes('E-mail when a run ends: off.') || null,
      'the choice to be off'
    );
    expect(server.requests.some(r => r.method === 'DELETE')).toBe(true);
  });

  it("shows the server's refusal of an address and keeps what was typed", async () => {
    const { node, input } = await openForm();
    typeInto(input, 'jdoe');
    // (the browser's own check is bypassed, as a script or an older browser would)
    node
      .querySelector('.jp-ucdh-Runs-mailForm')
      ?.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
    const alert = await find(node, '.jp-ucdh-Runs-mailProblem[role="alert"]');
    expect(alert.textContent).toContain('That is not an e-mail address.');
    expect(alert.textContent).toContain('Give one address');
    expect(input.value).toBe('jdoe');
    expect(input.getAttribute('aria-invalid')).toBe('true');
  });
});
