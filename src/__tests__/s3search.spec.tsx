/**
 * Searching a whole folder on the server as a user meets it: the scan goes on
 * page after page until it finds something (or the end), shows its progress,
 * can be cancelled without losing its matches, and the magnifier and Escape
 * move the cursor where the user expects it.
 */
import { nullTranslator } from '@jupyterlab/translation';
import { Widget } from '@lumino/widgets';

import { UcdhClient } from '../client';
import { S3Section } from '../s3/section';
import { find, typeInto, waitFor } from './dom';
import { fakeS3Server } from './s3fixtures';

const trans = nullTranslator.load('ucdh_jupyter');

describe('S3 search', () => {
  let section: S3Section | null = null;

  afterEach(() => {
    section?.dispose();
    section = null;
  });

  /** The section on `lab`, its search box open and holding `text`. */
  async function searching(
    server: ReturnType<typeof fakeS3Server>,
    text: string
  ): Promise<HTMLElement> {
    section = new S3Section({
      trans,
      client: new UcdhClient(server.serverSettings)
    });
    Widget.attach(section, document.body);
    const node = section.node;
    (await find(node, '.jp-ucdh-S3-row[data-key="lab"]')).click();
    await find(node, '.jp-ucdh-S3-row[data-kind="object"]');
    (node.querySelector('.jp-ucdh-S3-searchToggle') as HTMLElement).click();
    typeInto(
      (await find(node, '.jp-ucdh-S3-search')) as HTMLInputElement,
      text
    );
    return node;
  }

  const status = (node: HTMLElement): string =>
    node.querySelector('.jp-ucdh-S3-status')?.textContent ?? '';
  const matchKeys = (node: HTMLElement): string[] =>
    Array.from(node.querySelectorAll<HTMLElement>('.jp-ucdh-S3-match')).map(
      match => match.dataset.key ?? ''
    );
  const cursors = (server: ReturnType<typeof fakeS3Server>) =>
    server.requests
      .filter(r => r.path === 's3/search')
      .map(r => r.query.cursor ?? null);

  it('keeps scanning past pages without a match until it finds the key', async () => {
    // Given a folder whose only key containing "obj-007" is on the fourth page
    const server = fakeS3Server({ objects: 9 });

    // When the user searches for it
    const node = await searching(server, 'obj-007');

    // Then the scan goes on by itself and shows the match, with more to search
    await waitFor(() => matchKeys(node).length === 1, 'the match');
    expect(matchKeys(node)).toEqual(['obj-007.csv']);
    await waitFor(
      () =>
        status(node) ===
        '1 match in 8 keys scanned so far; more keys to search',
      'the scan to stop at its match'
    );
    expect(cursors(server)).toEqual([null, '2', '4', '6']);
    expect(node.querySelector('.jp-ucdh-S3-searchCancel')).toBeNull();

    // And "Search further" scans to the end, adding what it finds
    (await find(node, '.jp-ucdh-S3-searchFurther')).click();
    await waitFor(() => status(node) === '1 match in 10 keys', 'the end');
    expect(matchKeys(node)).toEqual(['obj-007.csv']);
    expect(cursors(server)).toEqual([null, '2', '4', '6', '8']);
    expect(node.querySelector('.jp-ucdh-S3-searchFurther')).toBeNull();
  });

  it('shows how many keys it scanned, and Cancel stops it for good', async () => {
    // Given a slow server and a text no key contains
    const server = fakeS3Server({ objects: 9 });
    const node = await searching(server, 'slownothing');

    // When the scan has answered once, then the user cancels it
    await waitFor(
      () => status(node) === 'Searching… 2 keys scanned',
      'the progress'
    );
    (await find(node, '.jp-ucdh-S3-searchCancel')).click();

    // Then it says so, asks the server nothing more, and offers to go on
    await waitFor(
      () => status(node).startsWith('Search stopped: 0 matches in'),
      'the stop'
    );
    const asked = cursors(server).length;
    await new Promise(resolve => setTimeout(resolve, 500));
    expect(cursors(server)).toHaveLength(asked);
    expect(status(node)).toBe(
      `Search stopped: 0 matches in ${2 * (asked - 1)} keys scanned; more keys to search`
    );
    expect(node.querySelector('.jp-ucdh-S3-searchCancel')).toBeNull();
    expect(node.querySelector('.jp-ucdh-S3-searchFurther')).not.toBeNull();
  });

  it('keeps the matches found so far when a further search is cancelled', async () => {
    // Given a search that found its first matches
    const server = fakeS3Server({ objects: 9 });
    const node = await searching(server, 'slowobj-00');
    await waitFor(() => matchKeys(node).length === 2, 'the first matches');

    // When the user searches further and cancels before the answer
    (await find(node, '.jp-ucdh-S3-searchFurther')).click();
    await waitFor(
      () => status(node) === 'Searching… 2 matches in 2 keys scanned',
      'the further search'
    );
    (await find(node, '.jp-ucdh-S3-searchCancel')).click();

    // Then the matches stay listed, and the late answer adds nothing
    await new Promise(resolve => setTimeout(resolve, 400));
    expect(matchKeys(node)).toEqual(['obj-000.csv', 'obj-001.csv']);
    expect(status(node)).toBe(
      'Search stopped: 2 matches in 2 keys scanned; more keys to search'
    );

    // And searching further goes on from where it stopped
    (await find(node, '.jp-ucdh-S3-searchFurther')).click();
    await waitFor(() => matchKeys(node).length === 4, 'more matches');
    expect(cursors(server)).toEqual([null, '2', '2']);
  });

  it('puts the cursor in the search box, and Escape closes it', async () => {
    // Given a folder with its filter box
    const server = fakeS3Server({ objects: 2 });
    section = new S3Section({
      trans,
      client: new UcdhClient(server.serverSettings)
    });
    Widget.attach(section, document.body);
    const node = section.node;
    (await find(node, '.jp-ucdh-S3-row[data-key="lab"]')).click();
    await find(node, '.jp-ucdh-S3-filter');
    const toggle = node.querySelector<HTMLElement>('.jp-ucdh-S3-searchToggle')!;

    // When the user clicks the magnifier
    toggle.focus();
    toggle.click();

    // Then the search box has the cursor
    const box = await find(node, '.jp-ucdh-S3-search');
    await waitFor(() => document.activeElement === box, 'the focus');

    // And Escape clears and closes it, the cursor back on the magnifier
    typeInto(box as HTMLInputElement, 'obj');
    box.dispatchEvent(
      new KeyboardEvent('keydown', { key: 'Escape', bubbles: true })
    );
    const filter = await find(node, '.jp-ucdh-S3-filter');
    expect(node.querySelector('.jp-ucdh-S3-search')).toBeNull();
    expect((filter as HTMLInputElement).value).toBe('');
    expect(document.activeElement).toBe(toggle);
    expect(toggle.getAttribute('aria-pressed')).toBe('false');
  });
});
