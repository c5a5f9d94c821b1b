/**
 * Dropping S3 rows on a notebook outside the cell editors: where the new
 * cell goes, which drags are taken, and the cell a real notebook gets.
 */
import { NotebookModel } from '@jupyterlab/notebook';
import type { Notebook } from '@jupyterlab/notebook';
import { NBTestUtils } from '@jupyterlab/notebook/lib/testutils';
import { Widget } from '@lumino/widgets';

import {
  acceptSnippetDrops,
  carriesSnippet,
  dropIndex,
  setSnippetData
} from '../s3/notebookdrop';

const SNIPPET =
  'from ucdh_jupyter import open_s3\n\ndata = open_s3("s3://b/k").read()';
/** Cells 100px high from y=0, 10px apart: 0–100, 110–210, 220–320. */
const CELL_TOPS = [0, 110, 220];

/** The part of a browser's DataTransfer that drags use (jsdom has none). */
class FakeDataTransfer {
  private data = new Map<string, string>();
  dropEffect = 'none';
  effectAllowed = 'all';
  get types(): string[] {
    return Array.from(this.data.keys());
  }
  setData(type: string, value: string): void {
    this.data.set(type, value);
  }
  getData(type: string): string {
    return this.data.get(type) ?? '';
  }
}

/** A drag of S3 rows, as the object list starts it. */
function rowDrag(snippet = SNIPPET): DataTransfer {
  const dataTransfer = new FakeDataTransfer() as unknown as DataTransfer;
  setSnippetData(dataTransfer, snippet);
  return dataTransfer;
}

/** A file browser's or another app's plain-text drag. */
function textDrag(): DataTransfer {
  const dataTransfer = new FakeDataTransfer() as unknown as DataTransfer;
  dataTransfer.setData('text/plain', 'notes.txt');
  return dataTransfer;
}

/** Fire a drag event of `type` at `target`, at height `y`; whether it was cancelled. */
function drag(
  target: Element,
  type: 'dragover' | 'drop',
  dataTransfer: DataTransfer,
  y: number
): boolean {
  const event = new MouseEvent(type, {
    bubbles: true,
    cancelable: true,
    clientY: y
  });
  Object.defineProperty(event, 'dataTransfer', { value: dataTransfer });
  return !target.dispatchEvent(event);
}

describe('dropIndex', () => {
  it('puts the cell after the cell dropped on', () => {
    expect(dropIndex(CELL_TOPS, 50)).toBe(1);
    expect(dropIndex(CELL_TOPS, 150)).toBe(2);
  });

  it('puts the cell between the cells of the gap dropped in', () => {
    expect(dropIndex(CELL_TOPS, 105)).toBe(1);
  });

  it('puts the cell last below the last cell, and first above the first', () => {
    expect(dropIndex(CELL_TOPS, 900)).toBe(3);
    expect(dropIndex(CELL_TOPS, -20)).toBe(0);
    expect(dropIndex([], 40)).toBe(0);
  });

  it('keeps the hidden cells of a collapsed section with their heading', () => {
    // Cell 0 is a collapsed heading; cells 1 and 2 are hidden under it.
    expect(dropIndex([0, null, null, 110], 50)).toBe(3);
    expect(dropIndex([0, null, null], 50)).toBe(3);
  });
});

describe('carriesSnippet', () => {
  it('takes drags of S3 rows only', () => {
    expect(carriesSnippet(rowDrag())).toBe(true);
    expect(carriesSnippet(textDrag())).toBe(false);
    expect(carriesSnippet(null)).toBe(false);
  });

  it('gives cell editors the snippet as plain text', () => {
    expect(rowDrag().getData('text/plain')).toBe(SNIPPET);
  });
});

describe('a drop on a notebook', () => {
  let notebook: Notebook;
  const warn = console.warn;

  beforeAll(() => {
    // @jupyter/ydoc builds each cell before adding it to the notebook's Y.Doc,
    // which yjs >= 13.6.20 warns about on every cell (JupyterLab does the same).
    jest.spyOn(console, 'warn').mockImplementation((...args: unknown[]) => {
      const message = String(args[0]);
      if (!/^(Invalid access: Add Yjs type|\[yjs#509\])/.test(message)) {
        warn(...args);
      }
    });
  });

  afterAll(() => {
    jest.restoreAllMocks();
  });

  /** The sources of the notebook's cells. */
  const sources = (): string[] =>
    notebook.widgets.map(cell => cell.model.sharedModel.getSource());

  beforeEach(() => {
    notebook = NBTestUtils.createNotebook();
    const model = new NotebookModel();
    model.fromJSON({
      cells: ['first', 'second', 'third'].map(source => ({
        cell_type: 'code',
        source,
        metadata: {},
        outputs: [],
        execution_count: null
      })),
      metadata: {},
      nbformat: 4,
      nbformat_minor: 5
    });
    notebook.model = model;
    Widget.attach(notebook, document.body);
    // jsdom lays nothing out: give the cells the boxes of CELL_TOPS.
    notebook.widgets.forEach((cell, index) => {
      cell.node.getBoundingClientRect = () =>
        ({ top: CELL_TOPS[index], height: 100 }) as DOMRect;
    });
    acceptSnippetDrops(notebook);
  });

  afterEach(() => {
    notebook.model?.dispose();
    notebook.dispose();
  });

  it('adds a code cell of the snippet after the cell dropped on, and makes it active', () => {
    const prompt = notebook.widgets[1].node;
    expect(drag(prompt, 'dragover', rowDrag(), 150)).toBe(true);
    expect(drag(prompt, 'drop', rowDrag(), 150)).toBe(true);

    expect(sources()).toEqual(['first', 'second', SNIPPET, 'third']);
    expect(notebook.widgets[2].model.type).toBe('code');
    expect(notebook.activeCellIndex).toBe(2);
  });

  it('adds the cell last when dropped below the last cell', () => {
    drag(notebook.node, 'drop', rowDrag(), 900);

    expect(sources()).toEqual(['first', 'second', 'third', SNIPPET]);
    expect(notebook.activeCellIndex).toBe(3);
  });

  it('leaves drops on a cell editor to the editor', () => {
    const editor = notebook.widgets[0].node.querySelector('.cm-editor');
    expect(editor).not.toBeNull();

    expect(drag(editor!, 'dragover', rowDrag(), 50)).toBe(false);
    expect(drag(editor!, 'drop', rowDrag(), 50)).toBe(false);
    expect(sources()).toEqual(['first', 'second', 'third']);
  });

  it('leaves drags of anything else to JupyterLab', () => {
    expect(drag(notebook.node, 'dragover', textDrag(), 900)).toBe(false);
    expect(drag(notebook.node, 'drop', textDrag(), 900)).toBe(false);
    expect(sources()).toEqual(['first', 'second', 'third']);
  });

  it('adds nothing to a read-only notebook', () => {
    notebook.model!.readOnly = true;
    drag(notebook.node, 'drop', rowDrag(), 900);

    expect(sources()).toEqual(['first', 'second', 'third']);
  });
});
