/**
 * One listed folder or object, and the actions menu of a row.
 */
import { TranslationBundle } from '@jupyterlab/translation';
import {
  copyIcon,
  deleteIcon,
  downloadIcon,
  ellipsesIcon,
  fileIcon,
  folderIcon
} from '@jupyterlab/ui-components';
import * as React from 'react';

import { CSS } from '../tokens';
import { actionLabel, actionsFor, S3Action } from './actions';
import {
  exactSize,
  formatModified,
  formatSize,
  pandasSnippet,
  S3Row
} from './model';

const C = CSS.S3;

/** Props of {@link RowView}. */
export interface IRowProps {
  /** The bucket of the row, for the snippet a dragged object carries. */
  bucket: string;
  row: S3Row;
  /** The row Tab lands on (roving tabindex: one row in the tab order). */
  tabbable: boolean;
  onAction: (action: S3Action, row: S3Row) => void;
  onMenu: (row: S3Row, x: number, y: number) => void;
  onKey: (event: React.KeyboardEvent<HTMLLIElement>, row: S3Row) => void;
  onFocusRow: (key: string) => void;
  trans: TranslationBundle;
}

/** A folder or object row: name, size, modified, storage class and actions. */
function Row(props: IRowProps): JSX.Element {
  const { bucket, row, tabbable, onAction, onMenu, onKey, onFocusRow, trans } =
    props;
  const object = row.kind === 'object' ? row.object : null;
  const Icon = object ? fileIcon : folderIcon;
  const button = (
    action: S3Action,
    className: string,
    icon: JSX.Element
  ): JSX.Element => (
    <button
      type="button"
      tabIndex={-1}
      className={`${className} jp-Button jp-mod-minimal`}
      title={actionLabel(action, trans)}
      aria-label={`${actionLabel(action, trans)} ${row.name}`}
      onClick={event => {
        event.stopPropagation();
        onAction(action, row);
      }}
    >
      {icon}
    </button>
  );
  return (
    <li
      className={C.row}
      data-key={row.key}
      data-kind={row.kind}
      tabIndex={tabbable ? 0 : -1}
      aria-label={
        row.kind === 'folder' ? trans.__('Folder %1', row.name) : row.name
      }
      onFocus={event => {
        if (event.target === event.currentTarget) {
          onFocusRow(row.key);
        }
      }}
      onDoubleClick={() => onAction(object ? 'properties' : 'open', row)}
      onClick={() => {
        if (!object) {
          onAction('open', row);
        }
      }}
      onKeyDown={event => onKey(event, row)}
      draggable={object !== null}
      onDragStart={event => {
        if (object) {
          // A notebook cell or an editor inserts dropped text/plain.
          event.dataTransfer.setData(
            'text/plain',
            pandasSnippet(bucket, row.key)
          );
          event.dataTransfer.effectAllowed = 'copy';
        }
      }}
      onContextMenu={event => {
        event.preventDefault();
        event.stopPropagation();
        onMenu(row, event.clientX, event.clientY);
      }}
    >
      <Icon.react tag="span" className="jp-ucdh-S3-icon" />
      <span className="jp-ucdh-S3-name" title={row.key}>
        {row.kind === 'folder' ? `${row.name}/` : row.name}
      </span>
      <span
        className={C.size}
        title={object ? exactSize(object.size) : undefined}
      >
        {object ? formatSize(object.size) : ''}
      </span>
      <span className="jp-ucdh-S3-modified">
        {object ? formatModified(object.last_modified) : ''}
      </span>
      <span className="jp-ucdh-S3-class">
        {object ? object.storage_class : ''}
      </span>
      <span className="jp-ucdh-S3-rowActions">
        {object &&
          button('download', C.download, <downloadIcon.react tag="span" />)}
        {button('uri', C.uri, <copyIcon.react tag="span" />)}
        {button('delete', C.remove, <deleteIcon.react tag="span" />)}
        <button
          type="button"
          tabIndex={-1}
          className={`${C.actions} jp-Button jp-mod-minimal`}
          title={trans.__('More actions')}
          aria-label={trans.__('Actions of %1', row.name)}
          aria-haspopup="menu"
          onClick={event => {
            event.stopPropagation();
            const box = event.currentTarget.getBoundingClientRect();
            onMenu(row, box.left, box.bottom);
          }}
        >
          <ellipsesIcon.react tag="span" />
        </button>
      </span>
    </li>
  );
}

/** A row re-renders only when its own props change (pages hold 1,000 rows). */
export const RowView = React.memo(Row);

/** Props of {@link ActionMenu}. */
export interface IActionMenuProps {
  row: S3Row;
  x: number;
  y: number;
  onAction: (action: S3Action, row: S3Row) => void;
  onClose: () => void;
  trans: TranslationBundle;
}

/** The actions of a row, at the pointer or under its ⋯ button. */
export function ActionMenu(props: IActionMenuProps): JSX.Element {
  const { row, x, y, onAction, onClose, trans } = props;
  const menu = React.useRef<HTMLUListElement>(null);
  React.useEffect(() => {
    menu.current?.querySelector<HTMLElement>('button')?.focus();
  }, []);
  const onKeyDown = (event: React.KeyboardEvent): void => {
    const items = Array.from(
      menu.current?.querySelectorAll<HTMLElement>('button') ?? []
    );
    const index = items.indexOf(document.activeElement as HTMLElement);
    if (event.key === 'Escape') {
      event.preventDefault();
      onClose();
    } else if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      items[(index + step + items.length) % items.length]?.focus();
    }
  };
  return (
    <div className="jp-ucdh-S3-menuBackdrop" onMouseDown={onClose}>
      <ul
        ref={menu}
        role="menu"
        className={C.menu}
        aria-label={trans.__('Actions of %1', row.name)}
        style={{ left: x, top: y }}
        onMouseDown={event => event.stopPropagation()}
        onKeyDown={onKeyDown}
      >
        {actionsFor(row).map(action => (
          <li key={action} role="none">
            <button
              type="button"
              role="menuitem"
              data-action={action}
              className={
                action === 'delete'
                  ? 'jp-mod-warn'
                  : action === 'rename'
                    ? C.rename
                    : undefined
              }
              onClick={() => {
                onClose();
                onAction(action, row);
              }}
            >
              {actionLabel(action, trans)}
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
