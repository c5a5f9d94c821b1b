/**
 * Dropping S3 rows on a notebook, outside any cell editor, adds a code cell
 * that reads them.
 *
 * A cell's editor (CodeMirror) inserts the row drag's `text/plain` snippet
 * where it lands, but the notebook itself only listens to Lumino's `lm-drop`
 * of cells, so a native drop on a prompt, between cells or below the last
 * cell did nothing. Row drags also carry {@link SNIPPET_MIME}, and only drags
 * with it are taken here: JupyterLab's cell and file drags stay its own.
 */
import type {
  INotebookTracker,
  Notebook,
  NotebookPanel
} from '@jupyterlab/notebook';

/** MIME type of the read snippet on an S3 row drag; no other drag has it. */
export const SNIPPET_MIME = 'application/x-ucdh-s3-snippet';

/** Put the read snippet of dragged rows on their drag. */
export function setSnippetData(
  dataTransfer: DataTransfer,
  snippet: string
): void {
  // text/plain is what a cell editor inserts at the drop point.
  dataTransfer.setData('text/plain', snippet);
  dataTransfer.setData(SNIPPET_MIME, snippet);
  dataTransfer.effectAllowed = 'copy';
}

/**
 * Whether a drag comes from S3 rows. Reads the types only, which a browser
 * shows during `dragover` too (the data itself only on `drop`).
 */
export function carriesSnippet(dataTransfer: DataTransfer | null): boolean {
  return Array.from(dataTransfer?.types ?? []).includes(SNIPPET_MIME);
}

/**
 * The index a cell dropped at height `y` takes: before the first shown cell
 * that starts below `y`, else at the end. So a drop on a cell (prompt,
 * output) or in the gap after it lands after that cell, one above the first
 * cell lands first, and one below the last cell lands last; cells hidden in
 * a collapsed section stay with their heading.
 *
 * @param tops - each cell's top in client coordinates, null if not shown
 *   (collapsed away, or out of a windowed notebook's rendered range).
 */
export function dropIndex(
  tops: ReadonlyArray<number | null>,
  y: number
): number {
  const below = tops.findIndex(top => top !== null && top > y);
  return below < 0 ? tops.length : below;
}

/** Top of a shown cell node in client coordinates, null if not shown. */
function shownTop(node: HTMLElement): number | null {
  if (!node.isConnected) {
    return null;
  }
  const box = node.getBoundingClientRect();
  return box.height > 0 ? box.top : null;
}

/** Whether a drag event is over a cell editor, which takes drops itself. */
function overEditor(target: EventTarget | null): boolean {
  return target instanceof Element && target.closest('.cm-editor') !== null;
}

/**
 * Insert a code cell of `source` at `index` and make it the active cell.
 * Does nothing on a notebook without a model or a read-only one.
 */
export function insertSnippetCell(
  notebook: Notebook,
  index: number,
  source: string
): void {
  const model = notebook.model;
  if (!model || model.readOnly) {
    return;
  }
  model.sharedModel.insertCell(index, {
    cell_type: 'code',
    source,
    // As NotebookActions.insertBelow: the user made this cell.
    metadata: { trusted: true }
  });
  notebook.activeCellIndex = index;
  notebook.deselectAll();
  notebook.activate();
  void notebook.scrollToItem(index, 'auto', 0).catch(() => undefined);
}

/** Take drops of S3 rows on `notebook` outside its cell editors. */
export function acceptSnippetDrops(notebook: Notebook): void {
  const ours = (event: DragEvent): boolean =>
    carriesSnippet(event.dataTransfer) && !overEditor(event.target);
  const allow = (event: DragEvent): void => {
    if (ours(event) && event.dataTransfer) {
      // Cancelling dragenter/dragover is what makes the node a drop target.
      event.preventDefault();
      event.dataTransfer.dropEffect = 'copy';
    }
  };
  notebook.node.addEventListener('dragenter', allow);
  notebook.node.addEventListener('dragover', allow);
  notebook.node.addEventListener('drop', event => {
    if (!ours(event)) {
      return;
    }
    event.preventDefault();
    const snippet = event.dataTransfer?.getData(SNIPPET_MIME) ?? '';
    if (snippet) {
      const tops = notebook.widgets.map(cell => shownTop(cell.node));
      insertSnippetCell(notebook, dropIndex(tops, event.clientY), snippet);
    }
  });
}

/** Take drops of S3 rows on every notebook of `tracker`, open or to come. */
export function acceptSnippetDropsIn(tracker: INotebookTracker): void {
  const connect = (panel: NotebookPanel): void =>
    acceptSnippetDrops(panel.content);
  tracker.forEach(connect);
  tracker.widgetAdded.connect((_, panel) => connect(panel));
}
